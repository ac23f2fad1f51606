//! The OpenAPI document matches the router and core's wire types.

use axum::body::Body;
use chrono::Utc;
use fieldvisit_core::crypto::sha256;
use fieldvisit_core::protocol::{
    ApiError, ApiErrorBody, EnrollRequest, EnrollResponse, Receipt, SealedEnvelope, UploadStatus,
};
use serde_json::Value;

use super::*;

fn keys(v: &impl serde::Serialize) -> Vec<String> {
    let mut k: Vec<String> = serde_json::to_value(v)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

#[tokio::test]
async fn written_out_schemas_match_core_wire_types() {
    let w = world().await;
    let doc = w
        .call("GET", "/api/v1/openapi.json", None, Body::empty())
        .await
        .json;
    let s = |t: &str| "x".repeat(t.len());
    let samples: Vec<(&str, Vec<String>)> = vec![
        (
            "SealedEnvelope",
            keys(&SealedEnvelope {
                version: 1,
                body: s("b"),
                signature: s("s"),
            }),
        ),
        (
            "Receipt",
            keys(&Receipt {
                version: 1,
                visit_id: s("v"),
                body_hash: sha256(b""),
                received_at: Utc::now(),
                photos_missing: vec![],
            }),
        ),
        (
            "EnrollRequest",
            keys(&EnrollRequest {
                version: 1,
                code: s("c"),
                public_key: s("k"),
                device_label: s("l"),
            }),
        ),
        (
            "EnrollResponse",
            keys(&EnrollResponse {
                version: 1,
                device_id: s("d"),
                worker_id: s("w"),
                token: s("t"),
            }),
        ),
        (
            "UploadStatus",
            keys(&UploadStatus {
                photo_id: s("p"),
                received: 0,
                size: 0,
                complete: false,
            }),
        ),
        (
            "ApiErrorBody",
            keys(&ApiErrorBody {
                error: ApiError {
                    code: s("c"),
                    message: s("m"),
                },
            }),
        ),
    ];
    for (name, serde_keys) in samples {
        let props = &doc["components"]["schemas"][name]["properties"];
        let mut documented: Vec<String> = props
            .as_object()
            .unwrap_or_else(|| panic!("{name}"))
            .keys()
            .cloned()
            .collect();
        documented.sort();
        assert_eq!(documented, serde_keys, "{name}");
    }
    // Every referenced schema exists.
    let text = doc.to_string();
    for r in text.split("#/components/schemas/").skip(1) {
        let name: String = r
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(
            doc["components"]["schemas"][&name].is_object(),
            "missing schema {name}"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        Value::from("bearer")
    );
    assert_eq!(
        doc["paths"]["/api/v1/visits/{visit_id}"]["put"]["requestBody"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/SealedEnvelope"
    );
}
