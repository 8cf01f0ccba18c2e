//! The daily jobs (the retention purge, the owners' action reminders): each runs once a
//! day, the first run a minute after start, off the async runtime.

use std::time::Duration;

use crate::error::ApiError;

/// Runs `job` once a day, the first run a minute after start. `done` logs what a run
/// did; a run that fails or panics is logged as `{what} failed` / `{what} panicked`.
pub fn spawn<T, J>(what: &'static str, job: J, done: fn(T))
where
    T: Send + 'static,
    J: Fn() -> Result<T, ApiError> + Clone + Send + 'static,
{
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let mut interval = tokio::time::interval(Duration::from_secs(24 * 60 * 60));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match tokio::task::spawn_blocking(job.clone()).await {
                Ok(Ok(out)) => done(out),
                Ok(Err(e)) => tracing::warn!(error = %e, "{what} failed"),
                Err(e) => tracing::warn!(error = %e, "{what} panicked"),
            }
        }
    });
}
