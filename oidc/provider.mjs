// A real OpenID Provider on loopback for development, demo and the tests: the certified
// `oidc-provider` from npm (panva), configured as GOV.UK One Login offers its relying parties —
// authorisation code flow with PKCE (S256), a nonce, ID tokens signed with the provider's own
// published keys, a `vot` (vector of trust) claim, and RP-initiated logout.
//
//   node oidc/provider.mjs --port 9000 --client-id tellonce --client-secret s3cret \
//        --redirect-uri http://127.0.0.1:8000/sign-in/callback \
//        --post-logout-redirect-uri http://127.0.0.1:8000/signed-out
//
// A second client authenticates at the token endpoint with private_key_jwt, as GOV.UK One Login
// requires of its relying parties: `--jwt-client-id tellonce-jwt --jwt-client-jwks '{"keys":[…]}'`
// registers it with the public half of the hub's key (the hub signs with the private half).
//
// Sign in with any user name and password: the user name becomes the subject (`sub`). The
// consent step is granted at once (the hub is a first-party client). Nothing is downloaded at
// run time; the signing key is made in memory at start-up. Prints "ready <issuer>" when serving.
import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '9000' },
    host: { type: 'string', default: '127.0.0.1' },
    'client-id': { type: 'string', default: 'tellonce' },
    'client-secret': { type: 'string', default: 'tellonce-development-secret' },
    'redirect-uri': { type: 'string', multiple: true, default: ['http://127.0.0.1:8000/sign-in/callback'] },
    'post-logout-redirect-uri': { type: 'string', multiple: true, default: ['http://127.0.0.1:8000/signed-out'] },
    vot: { type: 'string', default: 'Cl.Cm' },
    'jwt-client-id': { type: 'string' },
    'jwt-client-jwks': { type: 'string' },
  },
});

const issuer = `http://${args.host}:${args.port}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'loopback-1', use: 'sig', alg: 'RS256' };

const clients = [
  {
    client_id: args['client-id'],
    client_secret: args['client-secret'],
    redirect_uris: args['redirect-uri'],
    post_logout_redirect_uris: args['post-logout-redirect-uri'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  },
];
if (args['jwt-client-id'] && args['jwt-client-jwks']) {
  clients.push({
    client_id: args['jwt-client-id'],
    redirect_uris: args['redirect-uri'],
    post_logout_redirect_uris: args['post-logout-redirect-uri'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'RS256',
    jwks: JSON.parse(args['jwt-client-jwks']),
    id_token_signed_response_alg: 'RS256',
  });
}

const configuration = {
  clients,
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  claims: { openid: ['sub', 'vot'] },
  // The ID token carries `vot` as One Login's does (not only the userinfo endpoint).
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // Sign out at once when the hub asks (no "are you sure?" page): submit the form.
      async logoutSource(ctx, form) {
        // logout=yes ends the session at the provider too, not only this client's part of it.
        const ending = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
        ctx.body = `<!DOCTYPE html><html lang="en"><head><title>Signing out</title></head><body>${ending}
<button type="submit" form="op.logoutForm">Sign out</button>
<script>document.getElementById('op.logoutForm').submit()</script></body></html>`;
      },
    },
  },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id, vot: args.vot }; } };
  },
  // First-party client: the consent prompt is granted without a page.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid');
    grant.addOIDCClaims(['sub', 'vot']);
    await grant.save();
    return grant;
  },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
};

const provider = new Provider(issuer, configuration);
provider.listen(Number(args.port), args.host, () => {
  process.stdout.write(`ready ${issuer}\n`);
});
process.on('SIGTERM', () => process.exit(0));
