//! The application state every request handler, web page and background task shares:
//! the database, the configuration, the keys and the caches. Cheap to clone. It sits
//! below the APIs and the pages, which all read it; `startup` builds it.

use std::sync::Arc;

use crate::auth::password::Hasher;
use crate::auth::throttle::Throttle;
use crate::auth::token::Tokens;
use crate::config::Config;
use crate::db::Db;
use crate::ops::metrics::Metrics;
use crate::surveys::writer::ResponseWriter;

/// Everything a request handler may need. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub tokens: Arc<Tokens>,
    pub hasher: Arc<Hasher>,
    pub throttle: Arc<Throttle>,
    pub metrics: Arc<Metrics>,
    pub writer: ResponseWriter,
    /// Key of the keyed hashes that record votes (derived from the master key).
    pub vote_key: Arc<Vec<u8>>,
    /// Closed rounds already planned for reports.
    pub rounds: Arc<crate::reports::closed_rounds::RoundCache>,
    /// Open rounds' windows and questions, for the answering path (moments old at most).
    pub round_facts: Arc<crate::surveys::round_cache::RoundFactsCache>,
    /// Key of the web pages' CSRF tokens (derived from the master key).
    pub csrf_key: Arc<Vec<u8>>,
    /// Turns for the answering path's database check (`PULSELINE_ANSWER_CONCURRENCY`).
    pub answer_slots: Arc<tokio::sync::Semaphore>,
    /// The master key: round keys for sealed ballots are derived from it.
    pub master: Arc<crate::keys::MasterKey>,
    /// The company's identity provider, when company sign-in is configured.
    pub oidc: Option<Arc<crate::auth::oidc::client::Provider>>,
}
