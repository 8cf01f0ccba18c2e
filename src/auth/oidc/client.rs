//! The provider's side of company sign-in, through the `openidconnect` crate: discovery,
//! the authorization URL (code flow, PKCE S256, `state`, `nonce`), the code exchange and
//! the ID token's checks. Nothing here reads or writes the database.

use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse, reqwest,
};
use tokio::sync::Mutex;

use crate::auth::oidc::Refusal;
use crate::auth::oidc::config::OidcConfig;

/// How long the provider's discovered settings (and keys) are kept.
const DISCOVERY_TTL: Duration = Duration::from_secs(15 * 60);
/// How far in the future an ID token's issue time may be (clocks differ a little).
const ISSUED_AHEAD: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What an ID token says of the person, once every check passed.
#[derive(Debug, Clone)]
pub struct Verified {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// `email_verified` is present and true.
    pub email_verified: bool,
    pub name: Option<String>,
}

/// Where to send the browser, and what must come back with it.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The configured provider; discovers it on first use and again every quarter hour.
pub struct Provider {
    issuer: String,
    client_id: String,
    client_secret: String,
    redirect: String,
    http: reqwest::Client,
    cached: Mutex<Option<(Instant, Arc<Client>)>>,
}

impl Provider {
    /// The provider of `config`, with the callback under `public_url`; `None` when
    /// company sign-in is off.
    pub fn new(config: &OidcConfig, public_url: Option<&str>) -> anyhow::Result<Option<Provider>> {
        let (Some(issuer), Some(client_id), Some(secret), Some(base)) = (
            config.oidc_issuer.clone(),
            config.oidc_client_id.clone(),
            config.client_secret()?,
            public_url,
        ) else {
            return Ok(None);
        };
        // No redirects: a provider's endpoint that redirects elsewhere is not followed
        // (server-side request forgery).
        let http = reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Some(Provider {
            issuer,
            client_id,
            client_secret: secret.expose().to_owned(),
            redirect: format!("{}/auth/oidc/callback", base.trim_end_matches('/')),
            http,
            cached: Mutex::new(None),
        }))
    }

    async fn client(&self, fresh: bool) -> Result<Arc<Client>, Refusal> {
        let mut cached = self.cached.lock().await;
        if !fresh
            && let Some((at, c)) = cached.as_ref()
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(c.clone());
        }
        let issuer = IssuerUrl::new(self.issuer.clone()).map_err(|_| Refusal::Unavailable)?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "the identity provider's settings cannot be read");
                Refusal::Unavailable
            })?;
        let redirect = RedirectUrl::new(self.redirect.clone()).map_err(|_| Refusal::Unavailable)?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.client_id.clone()),
            Some(ClientSecret::new(self.client_secret.clone())),
        )
        .set_redirect_uri(redirect);
        let client = Arc::new(client);
        *cached = Some((Instant::now(), client.clone()));
        Ok(client)
    }

    /// A new trip to the provider: its URL with fresh `state`, `nonce` and PKCE
    /// challenge, asking for the `openid email profile` scopes.
    pub async fn authorize(&self) -> Result<Authorization, Refusal> {
        let client = self.client(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Authorization {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges `code` (with the PKCE verifier) and checks the ID token against
    /// `nonce`. When the signature fails, the provider's keys are read again once (it
    /// may have rotated them) before refusing.
    pub async fn redeem(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Verified, Refusal> {
        let client = self.client(false).await?;
        let request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|_| Refusal::Unavailable)?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()));
        let response = request
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => {
                    Refusal::Exchange(r.error().as_ref().chars().take(64).collect())
                }
                other => {
                    tracing::warn!(error = %other, "the identity provider's token endpoint failed");
                    Refusal::Unavailable
                }
            })?;
        let Some(id_token) = response.id_token() else {
            return Err(Refusal::Token("missing"));
        };
        let nonce = Nonce::new(nonce.to_owned());
        let checked = check(&client, id_token, &nonce);
        let claims = match checked {
            Err(Refusal::Token("signature")) => {
                let again = self.client(true).await?;
                check(&again, id_token, &nonce)?
            }
            other => other?,
        };
        Ok(claims)
    }
}

fn check(
    client: &Client,
    id_token: &openidconnect::core::CoreIdToken,
    nonce: &Nonce,
) -> Result<Verified, Refusal> {
    let verifier = client
        .id_token_verifier()
        .set_issue_time_verifier_fn(|iat| {
            if iat > chrono::Utc::now() + ISSUED_AHEAD {
                Err("issued in the future".to_owned())
            } else {
                Ok(())
            }
        });
    let claims: &CoreIdTokenClaims = id_token.claims(&verifier, nonce).map_err(|e| {
        let kind = match e {
            // The crate reports a refused issue time as `Expired`, with our message.
            ClaimsVerificationError::Expired(ref m) if m.contains("future") => "issued_in_future",
            ClaimsVerificationError::Expired(_) => "expired",
            ClaimsVerificationError::InvalidAudience(_) => "audience",
            ClaimsVerificationError::InvalidIssuer(_) => "issuer",
            ClaimsVerificationError::InvalidNonce(_) => "nonce",
            ClaimsVerificationError::SignatureVerification(_) => "signature",
            _ => "other",
        };
        tracing::info!(check = kind, error = %e, "an ID token was refused");
        Refusal::Token(kind)
    })?;
    Ok(Verified {
        issuer: claims.issuer().as_str().to_owned(),
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified() == Some(true),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
    })
}
