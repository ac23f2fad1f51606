//! A handler that panics answers 500 with the API's error shape and nothing of the panic: its
//! message may hold data of the request, and the connection and the process go on serving.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The answer to a request whose handler panicked. The panic itself is logged by the runtime's
/// hook as any panic is; this answer says only that something failed.
pub fn answer(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    crate::error::AppError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error; the request id names it in the server's log",
    )
    .into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panic_answers_500_without_its_message() {
        let app = Router::new()
            .route(
                "/boom",
                get(|| async {
                    let secret = "张三 110101199001011234";
                    panic!("{secret}");
                    #[allow(unreachable_code)]
                    ""
                }),
            )
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                super::answer,
            ));
        let resp = app
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), 500);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("\"internal\""), "{text}");
        assert!(!text.contains("110101"), "{text}");
    }
}
