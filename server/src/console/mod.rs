//! The console: server-rendered pages for supervisors, child-welfare reviewers and admins, served
//! at `/` by the same binary as the JSON API. Pages read and act through `ops`, like the API and
//! the CLI; labels come from one catalogue (Chinese first); assets are embedded; forms carry CSRF
//! tokens; no script runs inline, so the Content-Security-Policy forbids it.

pub mod assessment;
pub mod assets;
pub mod charts;
pub mod csrf;
pub mod errors;
pub mod format;
pub mod frame;
pub mod gcj02;
pub mod i18n;
pub mod links;
mod messages;
pub mod pages;
pub mod paging;
pub mod period;
pub mod plainmap;
pub mod qr;
pub mod session;
pub mod tiles;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// The console's routes; `limits` bounds the household upload like the API's.
pub fn router(
    limits: &crate::config::BodyLimits,
    signin: &crate::http::signin_limit::Limiter,
) -> Router<AppState> {
    use pages::{
        admin, alerts, audit, coverage, evidence, households, import, keys, login, parameters,
        reviews, schedules,
    };
    Router::new()
        .route("/", get(login::home))
        .route("/coverage", get(coverage::page))
        .route("/coverage/overdue", get(coverage::overdue))
        .route("/coverage/households", get(coverage::households))
        .route(
            "/login",
            get(login::form).post(axum::handler::Handler::layer(
                login::submit,
                crate::http::signin_limit::layer(signin),
            )),
        )
        .route("/logout", axum::routing::post(login::logout))
        .route("/lang/{lang}", get(login::switch))
        .route(
            "/account/password",
            get(login::password_form).post(login::change_password),
        )
        .route(
            "/account/sessions/{session_id}/end",
            axum::routing::post(login::end_session),
        )
        .route("/households/{household_id}", get(households::page))
        .route("/evidence", get(evidence::page))
        .route("/visits/{visit_id}", get(evidence::visit))
        .route("/reviews", get(reviews::queue))
        .route("/reviews/unlock", axum::routing::post(reviews::unlock))
        .route("/reviews/lock", axum::routing::post(reviews::lock))
        .route("/reviews/{visit_id}", get(reviews::case))
        .route(
            "/reviews/{visit_id}/decide",
            axum::routing::post(reviews::decide),
        )
        .route("/reviews/{visit_id}/photos/{photo_id}", get(reviews::photo))
        .route("/admin/staff", get(admin::staff).post(admin::add_staff))
        .route(
            "/admin/staff/{staff_id}",
            get(admin::account).post(admin::change_account),
        )
        .route("/admin/devices", get(admin::devices_list))
        .route(
            "/admin/devices/codes",
            axum::routing::post(admin::make_code),
        )
        .route(
            "/admin/devices/{device_id}/revoke",
            axum::routing::post(admin::revoke),
        )
        .route(
            "/admin/import",
            get(import::form)
                .post(import::upload)
                .layer(axum::extract::DefaultBodyLimit::max(limits.csv)),
        )
        .route("/admin/keys", get(keys::list).post(keys::create))
        .route("/admin/keys/rotate", axum::routing::post(keys::rotate))
        .route("/admin/schedules", get(schedules::list))
        .route("/admin/parameters", get(parameters::list))
        .route(
            "/admin/parameters/{county_id}",
            axum::routing::post(parameters::set)
                .layer(axum::extract::DefaultBodyLimit::max(limits.envelope)),
        )
        .route("/admin/alerts", get(alerts::show))
        .route("/admin/alerts/channels", axum::routing::post(alerts::add))
        .route(
            "/admin/alerts/channels/{channel_id}/remove",
            axum::routing::post(alerts::remove),
        )
        .route("/admin/alerts/test", axum::routing::post(alerts::test))
        .route(
            "/admin/alerts/{event_id}/{channel_id}/resend",
            axum::routing::post(alerts::resend),
        )
        .route(
            "/admin/schedules/{county_id}",
            axum::routing::post(schedules::set),
        )
        .route("/admin/audit", get(audit::list))
        .route("/admin/audit/verify", axum::routing::post(audit::verify))
        .route("/assets/{*path}", get(assets::serve))
}
