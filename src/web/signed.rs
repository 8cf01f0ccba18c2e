//! What a signed-in page handler starts from, taken from the request before the handler
//! runs: the app state and the session ([`Signed`]), or those and the submitted form
//! with its CSRF token checked ([`Posted`]); for anyone signed in ([`Anyone`]), HR and
//! admins ([`Hr`]) or the people who may read reports ([`Reader`]). A refusal — the
//! sign-in redirect, the 403 page, the expired-form page — is the request's whole
//! answer: it travels as an [`answer`] error that the page middleware sends as it is.

use std::marker::PhantomData;

use poem::web::Data;
use poem::{FromRequest, Request, RequestBody, Response};

use crate::error::ApiError;
use crate::state::AppState;
use crate::web::respond::{Form, error_page};
use crate::web::session::{Session, session, session_form};

/// Who may use a page.
pub trait Role: Send + Sync {
    /// Whether the signed-in `s` may use it.
    fn allows(s: &Session) -> bool;
}

/// Anyone signed in.
pub struct Anyone;

/// HR and admins.
pub struct Hr;

/// The people who may read reports: managers and HR (and admins).
pub struct Reader;

impl Role for Anyone {
    fn allows(_: &Session) -> bool {
        true
    }
}

impl Role for Hr {
    fn allows(s: &Session) -> bool {
        s.principal.is_hr_or_admin()
    }
}

impl Role for Reader {
    fn allows(s: &Session) -> bool {
        s.is_manager() || s.principal.is_hr_or_admin()
    }
}

/// A page request from a signed-in person that role `R` allows.
pub struct Signed<'a, R = Anyone>(pub &'a AppState, pub Session, pub PhantomData<R>);

/// A form from a signed-in person that role `R` allows, its CSRF token checked.
pub struct Posted<'a, R = Anyone>(pub &'a AppState, pub Session, pub Form, pub PhantomData<R>);

/// A page's finished answer carried as an extractor's error (see [`answer`]).
#[derive(Clone)]
pub struct Answered;

/// `resp` as the request's whole answer: the page middleware sends it unchanged.
pub fn answer(resp: Response) -> poem::Error {
    let mut e = poem::Error::from_response(resp);
    e.set_data(Answered);
    e
}

/// `s` if role `R` allows it, else the 403 page.
fn allowed<R: Role>(s: Session) -> poem::Result<Session> {
    if R::allows(&s) {
        Ok(s)
    } else {
        Err(answer(error_page(&s.chrome(), &ApiError::Forbidden)))
    }
}

async fn app_state(req: &Request) -> poem::Result<&AppState> {
    let Data(state) = Data::<&AppState>::from_request_without_body(req).await?;
    Ok(state)
}

impl<'a, R: Role> FromRequest<'a> for Signed<'a, R> {
    async fn from_request(req: &'a Request, _: &mut RequestBody) -> poem::Result<Self> {
        let state = app_state(req).await?;
        let s = session(state, req).await.map_err(answer)?;
        Ok(Signed(state, allowed::<R>(s)?, PhantomData))
    }
}

impl<'a, R: Role> FromRequest<'a> for Posted<'a, R> {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let state = app_state(req).await?;
        let (s, form) = session_form(state, req, body.take()?)
            .await
            .map_err(answer)?;
        Ok(Posted(state, allowed::<R>(s)?, form, PhantomData))
    }
}
