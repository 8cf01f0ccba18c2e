//! The settings of company sign-in (OpenID Connect) and of password sign-in beside it.

use clap::{Args, ValueEnum};

use crate::secret::Secret;

/// Who may still sign in with a password.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordLogin {
    /// Everyone with a password (the default).
    #[default]
    All,
    /// Administrators only: a way in when the identity provider is down.
    Admins,
    /// Nobody: company sign-in only.
    Off,
}

/// OpenID Connect sign-in (off unless `PULSELINE_OIDC_ISSUER` is set).
#[derive(Args, Debug, Clone, Default)]
pub struct OidcConfig {
    /// The identity provider's issuer URL; its settings are read from
    /// `{issuer}/.well-known/openid-configuration`. Turns company sign-in on.
    #[arg(long, env = "PULSELINE_OIDC_ISSUER", global = true)]
    pub oidc_issuer: Option<String>,

    /// The client id pulseline is registered with at the provider.
    #[arg(long, env = "PULSELINE_OIDC_CLIENT_ID", global = true)]
    pub oidc_client_id: Option<String>,

    /// The client secret (prefer `PULSELINE_OIDC_CLIENT_SECRET_FILE`).
    #[arg(
        long,
        env = "PULSELINE_OIDC_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub oidc_client_secret: Option<Secret>,

    /// A file holding the client secret (its first line).
    #[arg(long, env = "PULSELINE_OIDC_CLIENT_SECRET_FILE", global = true)]
    pub oidc_client_secret_file: Option<std::path::PathBuf>,

    /// The provider's name on the sign-in button ("Sign in with …").
    #[arg(
        long,
        env = "PULSELINE_OIDC_NAME",
        default_value = "your company account",
        global = true
    )]
    pub oidc_name: String,

    /// E-mail domains allowed to sign in, comma-separated (e.g. `example.org,example.com`);
    /// empty allows every domain the provider vouches for.
    #[arg(
        long,
        env = "PULSELINE_OIDC_ALLOWED_DOMAINS",
        value_delimiter = ',',
        global = true
    )]
    pub oidc_allowed_domains: Vec<String>,

    /// Create a person at their first company sign-in when no active person has their
    /// e-mail (off by default). They land in `PULSELINE_OIDC_JIT_TEAM` with no role.
    #[arg(
        long,
        env = "PULSELINE_OIDC_JIT",
        default_value_t = false,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub oidc_jit: bool,

    /// The team (id or import key) people created at their first sign-in land in.
    #[arg(long, env = "PULSELINE_OIDC_JIT_TEAM", global = true)]
    pub oidc_jit_team: Option<String>,

    /// Who may sign in with a password: `all`, `admins` (a way in when the provider is
    /// down) or `off`.
    #[arg(
        long,
        env = "PULSELINE_PASSWORD_LOGIN",
        value_enum,
        default_value_t = PasswordLogin::All,
        global = true
    )]
    pub password_login: PasswordLogin,
}

impl OidcConfig {
    /// Whether company sign-in is configured.
    pub fn enabled(&self) -> bool {
        self.oidc_issuer.is_some()
    }

    /// The client secret, from the setting or its file.
    pub fn client_secret(&self) -> anyhow::Result<Option<Secret>> {
        if let Some(s) = &self.oidc_client_secret {
            return Ok(Some(s.clone()));
        }
        match &self.oidc_client_secret_file {
            None => Ok(None),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!(
                        "PULSELINE_OIDC_CLIENT_SECRET_FILE {} cannot be read: {e}",
                        path.display()
                    )
                })?;
                let line = text.lines().next().unwrap_or("").trim().to_owned();
                if line.is_empty() {
                    anyhow::bail!(
                        "PULSELINE_OIDC_CLIENT_SECRET_FILE {} is empty",
                        path.display()
                    );
                }
                Ok(Some(Secret::new(line)))
            }
        }
    }

    /// The allowed domains, lower-cased, without a leading `@`.
    pub fn domains(&self) -> Vec<String> {
        self.oidc_allowed_domains
            .iter()
            .map(|d| d.trim().trim_start_matches('@').to_lowercase())
            .filter(|d| !d.is_empty())
            .collect()
    }

    /// Checks the settings belong together; `public_url` is `PULSELINE_PUBLIC_URL`.
    pub fn validate(&self, public_url: Option<&str>) -> anyhow::Result<()> {
        let Some(issuer) = &self.oidc_issuer else {
            if self.password_login != PasswordLogin::All {
                anyhow::bail!(
                    "PULSELINE_PASSWORD_LOGIN is {:?} but PULSELINE_OIDC_ISSUER is not set: \
                     nobody could sign in",
                    self.password_login
                );
            }
            return Ok(());
        };
        if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
            anyhow::bail!("PULSELINE_OIDC_ISSUER must be an http(s) URL (got {issuer})");
        }
        if self.oidc_client_id.as_deref().is_none_or(str::is_empty) {
            anyhow::bail!("PULSELINE_OIDC_ISSUER is set but PULSELINE_OIDC_CLIENT_ID is not");
        }
        if self.client_secret()?.is_none() {
            anyhow::bail!(
                "PULSELINE_OIDC_ISSUER is set but neither PULSELINE_OIDC_CLIENT_SECRET nor \
                 PULSELINE_OIDC_CLIENT_SECRET_FILE is"
            );
        }
        if public_url.is_none() {
            anyhow::bail!(
                "PULSELINE_OIDC_ISSUER is set but PULSELINE_PUBLIC_URL is not: the provider \
                 sends people back to {{PULSELINE_PUBLIC_URL}}/auth/oidc/callback"
            );
        }
        if self.oidc_jit && self.oidc_jit_team.as_deref().is_none_or(str::is_empty) {
            anyhow::bail!("PULSELINE_OIDC_JIT is on but PULSELINE_OIDC_JIT_TEAM is not set");
        }
        Ok(())
    }
}
