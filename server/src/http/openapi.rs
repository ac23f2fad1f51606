//! The OpenAPI document, built with utoipa's builder types from [`ROUTES`], the one list of routes.
//! A test checks that every listed route exists in the router.

use axum::Json;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem, PathsBuilder, Ref, Required,
    ResponseBuilder,
};

/// One route of the API.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// Method.
    pub method: &'static str,
    /// Path, with `{param}` placeholders, relative to the server root.
    pub path: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Who may call it.
    pub auth: &'static str,
    /// Status codes and their meaning.
    pub responses: &'static [(&'static str, &'static str)],
    /// Request body: content type and schema name (see `openapi_schemas`).
    pub request: Option<(&'static str, &'static str)>,
    /// Schema name of the success body.
    pub response: Option<&'static str>,
}

const E400: (&str, &str) = ("400", "invalid input (malformed_json, invalid_id, ...)");
const E401: (&str, &str) = ("401", "unauthenticated");
const E403: (&str, &str) = (
    "403",
    "forbidden_role, out_of_scope, csrf or device_revoked",
);
const E404: (&str, &str) = (
    "404",
    "not_found (also for ids outside the caller's branch)",
);

/// Every route the router serves.
pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/healthz",
        summary: "Liveness and database check",
        auth: "none",
        responses: &[("200", "ok")],
        request: None,
        response: None,
    },
    Route {
        method: "GET",
        path: "/api/v1/openapi.json",
        summary: "This document",
        auth: "none",
        responses: &[("200", "OpenAPI 3.1 JSON")],
        request: None,
        response: None,
    },
    Route {
        method: "POST",
        path: "/api/v1/auth/login",
        summary: "Staff login: session cookie and bearer token",
        auth: "none",
        responses: &[
            ("200", "LoginResponse"),
            E400,
            ("401", "invalid_credentials"),
            ("429", "account_locked"),
        ],
        request: Some(("application/json", "LoginRequest")),
        response: Some("LoginResponse"),
    },
    Route {
        method: "POST",
        path: "/api/v1/auth/logout",
        summary: "End the session",
        auth: "staff",
        responses: &[("204", "logged out"), E401],
        request: None,
        response: None,
    },
    Route {
        method: "GET",
        path: "/api/v1/auth/me",
        summary: "The caller's id, role and scope",
        auth: "staff",
        responses: &[("200", "caller"), E401],
        request: None,
        response: None,
    },
    Route {
        method: "GET",
        path: "/api/v1/audit/verify",
        summary: "Verify the hash-chained audit log; reports the first broken entry",
        auth: "admin",
        responses: &[
            (
                "200",
                "{intact, entries} or {intact: false, broken_at, reason}",
            ),
            E401,
            E403,
        ],
        request: None,
        response: None,
    },
    Route {
        method: "GET",
        path: "/api/v1/org/units",
        summary: "Org units in the caller's branch",
        auth: "staff",
        responses: &[("200", "OrgUnit[]"), E401],
        request: None,
        response: Some("OrgUnitList"),
    },
    Route {
        method: "POST",
        path: "/api/v1/org/units",
        summary: "Add an org unit",
        auth: "admin",
        responses: &[
            ("201", "OrgUnit"),
            E400,
            E401,
            E403,
            E404,
            ("409", "conflict"),
        ],
        request: Some(("application/json", "NewUnit")),
        response: Some("OrgUnit"),
    },
    Route {
        method: "GET",
        path: "/api/v1/staff",
        summary: "Staff accounts in the branch",
        auth: "admin, supervisor",
        responses: &[("200", "StaffView[]"), E401, E403],
        request: None,
        response: Some("StaffViewList"),
    },
    Route {
        method: "POST",
        path: "/api/v1/staff",
        summary: "Add a staff account",
        auth: "admin",
        responses: &[
            ("201", "StaffView"),
            E400,
            E401,
            E403,
            E404,
            ("409", "conflict"),
        ],
        request: Some(("application/json", "NewUser")),
        response: Some("StaffView"),
    },
    Route {
        method: "GET",
        path: "/api/v1/households",
        summary: "Households (ID numbers masked) in the branch or caseload",
        auth: "staff",
        responses: &[("200", "HouseholdView[]"), E401],
        request: None,
        response: Some("HouseholdViewList"),
    },
    Route {
        method: "POST",
        path: "/api/v1/households/import",
        summary: "Import households from CSV (all rows or none)",
        auth: "admin",
        responses: &[
            ("200", "imported count"),
            ("400", "invalid_csv naming line and column"),
            E401,
            E403,
            ("413", "too_large"),
        ],
        request: Some(("text/csv", "HouseholdCsv")),
        response: None,
    },
    Route {
        method: "GET",
        path: "/api/v1/assignments",
        summary: "The device's assignments (caseload changes, templates, schedule, audience keys, returned assessments) since ?since=TOKEN; no token = everything",
        auth: "device",
        responses: &[
            ("200", "Assignments"),
            ("400", "bad_since"),
            E401,
            ("403", "device_revoked"),
        ],
        request: None,
        response: Some("Assignments"),
    },
    Route {
        method: "GET",
        path: "/api/v1/audience-keys",
        summary: "Audience public keys serving the caller's branch",
        auth: "staff",
        responses: &[("200", "AudienceKeyRecord[]"), E401],
        request: None,
        response: Some("AudienceKeyRecordList"),
    },
    Route {
        method: "POST",
        path: "/api/v1/audience-keys",
        summary: "Make an audience key pair for a county branch; the private key is sealed under the passphrase (argon2id + AES-256-GCM)",
        auth: "admin",
        responses: &[
            ("201", "AudienceKeyRecord"),
            (
                "400",
                "unknown_audience, weak_passphrase, not_a_county, invalid_id",
            ),
            E401,
            E403,
            E404,
            ("409", "conflict"),
        ],
        request: Some(("application/json", "NewAudienceKey")),
        response: Some("AudienceKeyRecord"),
    },
    Route {
        method: "GET",
        path: "/api/v1/devices",
        summary: "Devices of workers in the branch",
        auth: "admin, supervisor",
        responses: &[("200", "Device[]"), E401, E403],
        request: None,
        response: Some("DeviceList"),
    },
    Route {
        method: "POST",
        path: "/api/v1/devices/enrollment-codes",
        summary: "One-time expiring enrollment code for a worker",
        auth: "admin",
        responses: &[("201", "CodeResponse"), E400, E401, E403, E404],
        request: Some(("application/json", "CodeRequest")),
        response: Some("CodeResponse"),
    },
    Route {
        method: "POST",
        path: "/api/v1/devices/enroll",
        summary: "Register a phone's Ed25519 key with a code (EnrollRequest -> EnrollResponse)",
        auth: "enrollment code",
        responses: &[
            ("201", "EnrollResponse"),
            ("400", "unsupported_version, bad_public_key"),
            ("403", "enrollment_refused"),
        ],
        request: Some(("application/json", "EnrollRequest")),
        response: Some("EnrollResponse"),
    },
    Route {
        method: "POST",
        path: "/api/v1/devices/{device_id}/revoke",
        summary: "Revoke a device",
        auth: "admin, supervisor",
        responses: &[("200", "revoked"), E401, E403, E404],
        request: None,
        response: None,
    },
    Route {
        method: "GET",
        path: "/api/v1/visits",
        summary: "Visit metadata (chain status included) in the branch",
        auth: "worker, supervisor, child_welfare_reviewer",
        responses: &[("200", "VisitMeta[]"), E401, E403],
        request: None,
        response: Some("VisitMetaList"),
    },
    Route {
        method: "PUT",
        path: "/api/v1/visits/{visit_id}",
        summary: "Upload a SealedEnvelope, exactly once; returns the Receipt",
        auth: "device",
        responses: &[
            ("201", "Receipt (new)"),
            ("200", "Receipt (same envelope again)"),
            (
                "400",
                "malformed_json, malformed_envelope, unsupported_version, visit_id_mismatch, invalid_id",
            ),
            ("401", "unauthenticated, bad_signature"),
            ("403", "device_revoked, device_mismatch, out_of_scope"),
            ("409", "conflict"),
            ("413", "too_large"),
        ],
        request: Some(("application/json", "SealedEnvelope")),
        response: Some("Receipt"),
    },
    Route {
        method: "GET",
        path: "/api/v1/visits/{visit_id}/photos/{photo_id}",
        summary: "UploadStatus of a photo",
        auth: "device",
        responses: &[
            ("200", "UploadStatus"),
            E400,
            E401,
            ("403", "device_revoked"),
            E404,
        ],
        request: None,
        response: Some("UploadStatus"),
    },
    Route {
        method: "PUT",
        path: "/api/v1/visits/{visit_id}/photos/{photo_id}",
        summary: "Append a chunk at ?offset=N; SHA-256 checked on completion",
        auth: "device",
        responses: &[
            ("200", "UploadStatus"),
            ("400", "bad_offset, exceeds_size, invalid_id"),
            E401,
            ("403", "device_revoked"),
            E404,
            ("409", "wrong_offset (Upload-Offset header)"),
            ("413", "too_large"),
            ("422", "hash_mismatch (data discarded)"),
        ],
        request: Some(("application/octet-stream", "PhotoChunk")),
        response: Some("UploadStatus"),
    },
    Route {
        method: "GET",
        path: "/api/v1/reviews",
        summary: "Open guardianship-assessment reviews in the branch: urgent first, then HIGH, MEDIUM, LOW, oldest first; SLA clocks",
        auth: "child_welfare_reviewer, supervisor",
        responses: &[("200", "ReviewView[]"), E401, E403],
        request: None,
        response: Some("ReviewViewList"),
    },
    Route {
        method: "GET",
        path: "/api/v1/reviews/overdue",
        summary: "Open reviews past their SLA, most overdue first",
        auth: "child_welfare_reviewer, supervisor",
        responses: &[("200", "ReviewView[]"), E401, E403],
        request: None,
        response: Some("ReviewViewList"),
    },
    Route {
        method: "POST",
        path: "/api/v1/reviews/unlock",
        summary: "Unlock the branch's audience private key with its passphrase for a limited session (memory only)",
        auth: "child_welfare_reviewer (child-welfare), supervisor (civil-affairs)",
        responses: &[
            ("200", "UnlockResponse"),
            ("400", "unknown_audience"),
            E401,
            ("403", "forbidden_role, wrong_passphrase"),
            E404,
        ],
        request: Some(("application/json", "UnlockRequest")),
        response: Some("UnlockResponse"),
    },
    Route {
        method: "POST",
        path: "/api/v1/reviews/lock",
        summary: "Drop the caller's unlocked keys",
        auth: "staff",
        responses: &[("204", "locked"), E401],
        request: None,
        response: None,
    },
    Route {
        method: "GET",
        path: "/api/v1/reviews/{visit_id}",
        summary: "A review with its SLA clock and every transition (who, when, why)",
        auth: "child_welfare_reviewer, supervisor",
        responses: &[("200", "review and history"), E400, E401, E403, E404],
        request: None,
        response: None,
    },
    Route {
        method: "POST",
        path: "/api/v1/reviews/{visit_id}/decision",
        summary: "start | confirm | return (comment goes to the phone) | escalate (branch) | close",
        auth: "child_welfare_reviewer",
        responses: &[
            ("200", "ReviewView"),
            (
                "400",
                "reason_required, escalation_required, unexpected_escalation, invalid_reason",
            ),
            E401,
            E403,
            E404,
            ("409", "invalid_transition"),
        ],
        request: Some(("application/json", "Decision")),
        response: Some("ReviewView"),
    },
    Route {
        method: "GET",
        path: "/api/v1/reviews/{visit_id}/content",
        summary: "Decrypted content (answers, scores with fired rules); audited",
        auth: "child_welfare_reviewer with an unlocked key",
        responses: &[
            ("200", "review and content"),
            E401,
            ("403", "forbidden_role, key_locked"),
            E404,
            ("422", "cannot_decrypt"),
        ],
        request: None,
        response: None,
    },
    Route {
        method: "GET",
        path: "/api/v1/reviews/{visit_id}/photos/{photo_id}",
        summary: "One decrypted photo (image/jpeg); audited",
        auth: "child_welfare_reviewer with an unlocked key",
        responses: &[
            ("200", "image/jpeg"),
            E400,
            E401,
            ("403", "forbidden_role, key_locked"),
            E404,
        ],
        request: None,
        response: None,
    },
];

fn method(m: &str) -> HttpMethod {
    match m {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

/// Builds the document from [`ROUTES`].
pub fn build() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for r in ROUTES {
        let mut op = OperationBuilder::new()
            .summary(Some(r.summary))
            .description(Some(format!(
                "Authentication: {}. Errors: {{\"error\":{{\"code\",\"message\"}}}}.",
                r.auth
            )))
            .operation_id(Some(format!("{} {}", r.method, r.path)));
        for param in r
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(param)
                    .parameter_in(ParameterIn::Path)
                    .build(),
            );
        }
        if let Some((content_type, schema)) = r.request {
            let body = RequestBodyBuilder::new()
                .content(
                    content_type,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(schema)))
                        .build(),
                )
                .required(Some(Required::True))
                .build();
            op = op.request_body(Some(body));
        }
        for (code, what) in r.responses {
            let mut resp = ResponseBuilder::new().description(*what);
            let schema = match (code.starts_with('2'), r.response) {
                (true, Some(s)) => Some(s),
                (true, None) => None,
                (false, _) => Some("ApiErrorBody"),
            };
            if let Some(s) = schema {
                resp = resp.content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(s)))
                        .build(),
                );
            }
            op = op.response(*code, resp.build());
        }
        paths = paths.path(r.path, PathItem::new(method(r.method), op.build()));
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("FieldVisit server API")
                .version(env!("CARGO_PKG_VERSION"))
                .build(),
        )
        .paths(paths.build())
        .components(Some(super::openapi_schemas::components()))
        .build()
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<OpenApi> {
    Json(build())
}
