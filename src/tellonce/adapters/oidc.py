"""Citizens' sign-in with OpenID Connect, through Authlib (ADR 0085).

The authorisation code flow with PKCE (S256), ``state`` and ``nonce``, as GOV.UK One Login
offers it. The ID token is validated with Authlib's ``CodeIDToken`` rules (issuer, audience,
expiry, issued-at, nonce, ``at_hash``) after joserfc checks its signature against the keys the
provider publishes at its ``jwks_uri`` — nothing here is hand-written JOSE. The provider's
metadata and keys are fetched on first use and kept; an unknown ``kid`` fetches the keys again
(the provider rotated them).

The hub authenticates itself at the token endpoint with a client secret
(``client_secret_post``) or, as GOV.UK One Login requires, with a private key
(``private_key_jwt``, RFC 7523: a short JWT signed with the hub's key, whose public half the
provider holds) — Authlib's ``PrivateKeyJWT`` signs it.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from tellonce.service_layer.ports.identity import SignInFailed, SignInSecrets, VerifiedIdentity

# ID tokens from the past or the future by more than this are refused (clock skew allowance).
LEEWAY_SECONDS = 60


class OidcProvider:
    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        timeout: float = 10.0,
        private_key_pem: str | None = None,
        private_key_id: str | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        # With a private key, the token request is authenticated by private_key_jwt instead.
        self._private_key = private_key_pem
        self._private_key_id = private_key_id
        self._redirect_uri = redirect_uri
        self._timeout = timeout
        self._metadata: dict[str, Any] | None = None
        self._keys: dict[str, Any] | None = None
        self._lock = threading.Lock()

    @property
    def token_endpoint_auth_method(self) -> str:
        return "private_key_jwt" if self._private_key else "client_secret_post"

    def _client(self) -> OAuth2Client:
        if self._private_key is None:
            return OAuth2Client(
                client_id=self._client_id,
                client_secret=self._client_secret,
                redirect_uri=self._redirect_uri,
                scope="openid",
                token_endpoint_auth_method="client_secret_post",  # noqa: S106 - a method name
                code_challenge_method="S256",
                timeout=self._timeout,
            )
        client = OAuth2Client(
            client_id=self._client_id,
            client_secret=self._private_key,  # Authlib signs the client assertion with it
            redirect_uri=self._redirect_uri,
            scope="openid",
            token_endpoint_auth_method="private_key_jwt",  # noqa: S106 - a method name
            code_challenge_method="S256",
            timeout=self._timeout,
        )
        headers = {"kid": self._private_key_id} if self._private_key_id else None
        client.register_client_auth_method(PrivateKeyJWT(headers=headers))
        return client

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                response = httpx.get(
                    f"{self.issuer}/.well-known/openid-configuration", timeout=self._timeout
                )
                response.raise_for_status()
                found: dict[str, Any] = response.json()
                if found.get("issuer") != self.issuer:
                    raise SignInFailed("the provider's metadata names another issuer")
                self._metadata = found
            return self._metadata

    def _key_set(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            if self._keys is None or refresh:
                response = httpx.get(self.metadata_value("jwks_uri"), timeout=self._timeout)
                response.raise_for_status()
                self._keys = response.json()
            return KeySet.import_key_set(self._keys)  # type: ignore[arg-type]

    def metadata_value(self, name: str) -> str:
        metadata = self._metadata if self._metadata is not None else self.metadata()
        value = metadata.get(name)
        if not isinstance(value, str):
            raise SignInFailed(f"the provider publishes no {name}")
        return value

    def authorization_url(self, secrets: SignInSecrets) -> str:
        with self._client() as client:
            url, _ = client.create_authorization_url(
                self.metadata_value("authorization_endpoint"),
                state=secrets.state,
                nonce=secrets.nonce,
                code_verifier=secrets.code_verifier,
            )
        return str(url)

    def complete(self, code: str, secrets: SignInSecrets) -> VerifiedIdentity:
        try:
            with self._client() as client:
                token = client.fetch_token(
                    self.metadata_value("token_endpoint"),
                    code=code,
                    code_verifier=secrets.code_verifier,
                    grant_type="authorization_code",
                )
        except Exception as error:
            raise SignInFailed(f"the code was not accepted: {type(error).__name__}") from None
        if "id_token" not in token:
            raise SignInFailed("the provider sent no ID token")
        claims = self._validated(token["id_token"], token.get("access_token"), secrets.nonce)
        vot = claims.get("vot")
        return VerifiedIdentity(
            self.issuer, str(claims["sub"]), vot if isinstance(vot, str) else None
        )

    def _validated(self, id_token: str, access_token: str | None, nonce: str) -> dict[str, Any]:
        algorithms = (
            self._metadata.get("id_token_signing_alg_values_supported") if self._metadata else None
        )
        registry = JWSRegistry(algorithms=algorithms or ["RS256", "ES256", "PS256"])
        try:
            try:
                decoded = jwt.decode(id_token, self._key_set(), registry=registry)
            except JoseError:
                # An unknown key id: the provider may have rotated its keys since we fetched them.
                decoded = jwt.decode(id_token, self._key_set(refresh=True), registry=registry)
            params: dict[str, Any] = {"nonce": nonce, "client_id": self._client_id}
            if access_token:
                params["access_token"] = access_token
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {"iss": {"essential": True, "value": self.issuer}, "sub": {"essential": True}},
                params,
            )
            claims.validate(now=int(time.time()), leeway=LEEWAY_SECONDS)
        except (JoseError, ValueError) as error:
            raise SignInFailed(f"the ID token was refused: {type(error).__name__}") from None
        return dict(claims)

    def end_session_url(self, post_logout_redirect_uri: str) -> str | None:
        try:
            endpoint = self.metadata_value("end_session_endpoint")
        except SignInFailed:
            return None
        query = urlencode(
            {"client_id": self._client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        )
        return f"{endpoint}?{query}"
