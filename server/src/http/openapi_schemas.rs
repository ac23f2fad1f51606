//! Schemas of the OpenAPI document: derived for the server's own types, written out for core's wire
//! types (core does not depend on utoipa), kept in step by a test that compares them with serde output.

use utoipa::openapi::schema::{
    ArrayBuilder, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Components, ComponentsBuilder, KnownFormat, RefOr};

use super::assignments::{KeyRotationRequest, NewAudienceKey};
use super::auth::{LoginRequest, LoginResponse};
use super::devices::{CodeRequest, CodeResponse};
use super::org::{HouseholdView, NewUnit, StaffView};
use super::reviews::{UnlockRequest, UnlockResponse};
use crate::ops::review::{Decision, ReviewView};
use crate::ops::users::NewUser;

/// Field kinds used in the written-out schemas.
#[derive(Clone, Copy)]
enum F {
    Str,
    Int,
    Bool,
    Time,
    Hash,
    StrList,
    Obj,
}

fn field(kind: F) -> RefOr<Schema> {
    let prim = |t: Type| ObjectBuilder::new().schema_type(SchemaType::Type(t));
    let schema: Schema = match kind {
        F::Str => prim(Type::String).into(),
        F::Int => prim(Type::Integer).into(),
        F::Bool => prim(Type::Boolean).into(),
        F::Time => prim(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into(),
        F::Hash => prim(Type::String)
            .description(Some("SHA-256, 64 lowercase hex digits"))
            .into(),
        F::StrList => ArrayBuilder::new().items(prim(Type::String)).into(),
        F::Obj => prim(Type::Object).into(),
    };
    RefOr::T(schema)
}

fn object(description: &str, fields: &[(&str, F)]) -> Schema {
    let mut b = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Object))
        .description(Some(description));
    for (name, kind) in fields {
        b = b.property(*name, field(*kind)).required(*name);
    }
    b.into()
}

fn list(of: &str) -> Schema {
    ArrayBuilder::new()
        .items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(of)))
        .into()
}

/// All schemas and the two security schemes (bearer token, session cookie).
pub fn components() -> Components {
    use F::*;
    ComponentsBuilder::new()
        .schema_from::<LoginRequest>()
        .schema_from::<LoginResponse>()
        .schema_from::<NewUser>()
        .schema_from::<crate::ops::households::Move>()
        .schema_from::<super::auth::PasswordChange>()
        .schema_from::<super::org::PasswordReset>()
        .schema_from::<super::org::AccountChanged>()
        .schema_from::<crate::ops::users::Placement>()
        .schema_from::<crate::ops::households::Moved>()
        .schema_from::<NewUnit>()
        .schema_from::<super::alerts::ChannelView>()
        .schema_from::<super::alerts::NewChannelRequest>()
        .schema_from::<super::alerts::TestRequest>()
        .schema_from::<super::alerts::TestQueued>()
        .schema_from::<StaffView>()
        .schema_from::<HouseholdView>()
        .schema_from::<CodeRequest>()
        .schema_from::<CodeResponse>()
        .schema_from::<NewAudienceKey>()
        .schema_from::<KeyRotationRequest>()
        .schema_from::<crate::ops::audience::KeyGeneration>()
        .schema_from::<crate::ops::audience::KeyView>()
        .schema("KeyViewList", list("KeyView"))
        .schema_from::<UnlockRequest>()
        .schema_from::<UnlockResponse>()
        .schema_from::<Decision>()
        .schema_from::<crate::ops::review::Action>()
        .schema_from::<crate::ops::review::Escalation>()
        .schema_from::<ReviewView>()
        .schema("ReviewViewList", list("ReviewView"))
        .schema("ChannelViewList", list("ChannelView"))
        .schema_from::<crate::ops::sessions::SessionView>()
        .schema("SessionViewList", list("SessionView"))
        .schema(
            "AudienceKeyRecord",
            object(
                "fieldvisit_core::protocol::AudienceKeyRecord",
                &[("audience", Str), ("public_key", Str)],
            ),
        )
        .schema("AudienceKeyRecordList", list("AudienceKeyRecord"))
        .schema(
            "Assignments",
            object(
                "fieldvisit_core::protocol::Assignments (households, templates and schedule as core serializes them)",
                &[
                    ("version", Int),
                    ("worker_id", Str),
                    ("since", Str),
                    ("households", Obj),
                    ("removed_households", StrList),
                    ("templates", Obj),
                    ("schedule", Obj),
                    ("evidence_thresholds", Obj),
                    ("audience_keys", Obj),
                    ("returned", Obj),
                    ("last_visits", Obj),
                    ("staff", Obj),
                    ("parameters", Obj),
                ],
            ),
        )
        .schema(
            "CountyParameterSet",
            object(
                "What a county sets beside its schedule: low_income_standards [{year, yuan_per_person_month}] and optional evidence_thresholds {max_distance_m, max_accuracy_m, max_fix_age_s, min_duration_s}",
                &[("low_income_standards", Obj)],
            ),
        )
        .schema(
            "ParametersView",
            object(
                "A county's own parameters (null when unset) and those in force",
                &[
                    ("county_id", Str),
                    ("own", Obj),
                    ("low_income_standards", Obj),
                    ("evidence_thresholds", Obj),
                ],
            ),
        )
        .schema(
            "TemplateDocument",
            object(
                "A checklist template document (core/TEMPLATES.md)",
                &[
                    ("format", Int),
                    ("id", Str),
                    ("version", Int),
                    ("title", Obj),
                    ("visit_kind", Str),
                    ("categories", StrList),
                    ("audiences", StrList),
                    ("sections", Obj),
                ],
            ),
        )
        .schema(
            "TemplateVersionView",
            object(
                "A template version issued to a county's branch",
                &[
                    ("id", Str),
                    ("version", Int),
                    ("title_zh", Str),
                    ("title_en", Str),
                    ("categories", StrList),
                    ("origin", Str),
                    ("current", Bool),
                    ("published_at", Time),
                ],
            ),
        )
        .schema("TemplateVersionViewList", list("TemplateVersionView"))
        .schema("StaffViewList", list("StaffView"))
        .schema("HouseholdViewList", list("HouseholdView"))
        .schema(
            "OrgUnit",
            object(
                "A node of the org tree",
                &[
                    ("id", Str),
                    ("parent_id", Str),
                    ("level", Str),
                    ("name", Str),
                    ("path", Str),
                ],
            ),
        )
        .schema("OrgUnitList", list("OrgUnit"))
        .schema(
            "Device",
            object(
                "An enrolled phone",
                &[
                    ("id", Str),
                    ("worker_id", Str),
                    ("label", Str),
                    ("enrolled_at", Time),
                    ("revoked_at", Time),
                ],
            ),
        )
        .schema("DeviceList", list("Device"))
        .schema(
            "VisitMeta",
            object(
                "Clear metadata of a stored visit",
                &[
                    ("visit_id", Str),
                    ("device_id", Str),
                    ("worker_id", Str),
                    ("household_id", Str),
                    ("body_hash", Hash),
                    ("chain_seq", Int),
                    ("chain_status", Str),
                    ("category", Str),
                    ("template_id", Str),
                    ("started_at", Time),
                    ("ended_at", Time),
                    ("level", Str),
                    ("reported_to_police_at", Time),
                    ("received_at", Time),
                ],
            ),
        )
        .schema("VisitMetaList", list("VisitMeta"))
        .schema(
            "SealedEnvelope",
            object(
                "fieldvisit_core::protocol::SealedEnvelope: base64 body JSON signed with Ed25519",
                &[("version", Int), ("body", Str), ("signature", Str)],
            ),
        )
        .schema(
            "Receipt",
            object(
                "fieldvisit_core::protocol::Receipt",
                &[
                    ("version", Int),
                    ("visit_id", Str),
                    ("body_hash", Hash),
                    ("received_at", Time),
                    ("photos_missing", StrList),
                ],
            ),
        )
        .schema(
            "EnrollRequest",
            object(
                "fieldvisit_core::protocol::EnrollRequest",
                &[
                    ("version", Int),
                    ("code", Str),
                    ("public_key", Str),
                    ("device_label", Str),
                ],
            ),
        )
        .schema(
            "EnrollResponse",
            object(
                "fieldvisit_core::protocol::EnrollResponse",
                &[
                    ("version", Int),
                    ("device_id", Str),
                    ("worker_id", Str),
                    ("token", Str),
                ],
            ),
        )
        .schema(
            "UploadStatus",
            object(
                "fieldvisit_core::protocol::UploadStatus",
                &[
                    ("photo_id", Str),
                    ("received", Int),
                    ("size", Int),
                    ("complete", Bool),
                ],
            ),
        )
        .schema(
            "ApiErrorBody",
            object(
                "Every error: {\"error\":{\"code\",\"message\"}}",
                &[("error", Obj)],
            ),
        )
        .schema(
            "HouseholdCsv",
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .description(Some(format!(
                    "UTF-8 CSV with the header {}",
                    crate::ops::csv_import::COLUMNS.join(",")
                )))
                .build(),
        )
        .schema(
            "PhotoChunk",
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                .build(),
        )
        .security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        )
        .security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        )
        .build()
}
