//! Request bodies through the server's JSON extractor, as the routes that take them read them:
//! a malformed body is a 400 naming the position, never a panic.
#![no_main]

use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::Request;
use fieldvisit_server::http::ApiJson;
use fieldvisit_server::ops::households::Move;
use fieldvisit_server::ops::review::Decision;
use fieldvisit_server::ops::users::{NewUser, Placement};
use fieldvisit_server::store::CountyParameterSet;
use libfuzzer_sys::fuzz_target;

async fn extract<T: serde::de::DeserializeOwned>(data: &[u8]) {
    let req = Request::builder()
        .header("content-type", "application/json")
        .body(Body::from(data.to_vec()))
        .expect("a request");
    if let Err(e) = ApiJson::<T>::from_request(req, &()).await {
        let status = axum::response::IntoResponse::into_response(e).status();
        assert_eq!(status, axum::http::StatusCode::BAD_REQUEST);
    }
}

fuzz_target!(|data: &[u8]| {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        extract::<NewUser>(data).await;
        extract::<Move>(data).await;
        extract::<Placement>(data).await;
        extract::<Decision>(data).await;
        extract::<CountyParameterSet>(data).await;
        extract::<fieldvisit_core::protocol::EnrollRequest>(data).await;
    });
});
