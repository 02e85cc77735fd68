"""The citizen portal: GOV.UK Design System pages over the same use cases as the API."""
