//! Sealing: validate everything, compute scores, encrypt the content for each audience, sign, and
//! link into the device's hash chain. Pure: the caller supplies the chain head and stores the result
//! in the same transaction.

use chrono::{DateTime, Utc};

use super::{Draft, VisitError};
use crate::caseload::Household;
use crate::crypto::{
    AudiencePublicKey, ContentKey, DeviceSigningKey, Sha256Hash, b64_decode, b64_encode, sha256,
};
use crate::geo::{EvidenceInput, EvidenceThresholds, assess_evidence};
use crate::protocol::{
    AudienceKeyRecord, ChainLink, ENVELOPE_VERSION, EncryptedContent, EnvelopeBody, PhotoContent,
    PhotoManifest, RecipientKey, ScoreOutcome, SealedEnvelope, VisitContent, VisitLevel,
};
use crate::template::{
    AnswerError, Answers, Facts, Template, carried_items, check_complete, evaluate, people_of_visit,
};

/// Everything sealing needs.
#[derive(Debug)]
pub struct SealInput<'a> {
    /// The draft.
    pub draft: &'a Draft,
    /// Its template (the version the draft was answered against).
    pub template: &'a Template,
    /// The household (for its registered location).
    pub household: &'a Household,
    /// Audience keys known to the phone.
    pub audience_keys: &'a [AudienceKeyRecord],
    /// The device key.
    pub signing_key: &'a DeviceSigningKey,
    /// Device id.
    pub device_id: &'a str,
    /// Worker id.
    pub worker_id: &'a str,
    /// Sequence number and hash of the device's last sealed visit (0 and zero for none).
    pub chain_head: (u64, Sha256Hash),
    /// Evidence thresholds.
    pub thresholds: &'a EvidenceThresholds,
    /// What the core knows beside the answers (the county's standard, the previous visit).
    pub facts: &'a Facts,
    /// Sealing time.
    pub now: DateTime<Utc>,
    /// The JPEG bytes of each photo, in the draft's order.
    pub photos: Vec<(String, Vec<u8>)>,
}

/// A sealed visit, ready to store.
#[derive(Debug)]
pub struct SealOutput {
    /// The signed envelope.
    pub envelope: SealedEnvelope,
    /// The signed body (for storing its clear parts).
    pub body: EnvelopeBody,
    /// Chain hash (SHA-256 of the body bytes).
    pub hash: Sha256Hash,
    /// Encrypted photos to upload, by photo id.
    pub photo_ciphertexts: Vec<(String, Vec<u8>)>,
    /// The answers this visit passes on to the household's next visit (`previous.ITEM` facts).
    pub carried: Answers,
}

fn override_error(score: &str, reason: &'static str) -> VisitError {
    VisitError::Answer(AnswerError::Override {
        score: score.to_string(),
        reason,
    })
}

/// Seals a draft.
pub fn seal_visit(input: SealInput<'_>) -> Result<SealOutput, VisitError> {
    let d = input.draft;
    let t = input.template;
    let ended_at = d.finished_at.unwrap_or(input.now);
    let date = d.started_at.date_naive();
    let problems = check_complete(t, &d.answers, &d.investigators, date, input.facts);
    if !problems.is_empty() {
        return Err(VisitError::Incomplete(problems));
    }
    let evaluation = evaluate(t, &d.answers, date, input.facts)?;
    let shown = |id: &str| !evaluation.hidden.contains(id);
    let investigators: Vec<String> = people_of_visit(t, &d.answers, shown, &d.investigators)
        .map_err(|e| VisitError::Incomplete(vec![e]))?
        .into_iter()
        .map(|p| p.name)
        .collect();
    let carried: Answers = carried_items(t)
        .into_iter()
        .filter(|id| shown(id))
        .filter_map(|id| d.answers.get(&id).map(|a| (id, a.clone())))
        .collect();
    let mut scores = Vec::with_capacity(t.scores.len());
    for (score, result) in t.scores.iter().zip(&evaluation.scores) {
        let mut outcome = ScoreOutcome {
            score: score.id.clone(),
            computed_level: result.level.clone(),
            level: result.level.clone(),
            fired: result.fired.clone(),
            override_reason: None,
        };
        if let Some(o) = d.overrides.get(&score.id) {
            if !score.overridable {
                return Err(override_error(&score.id, "this score cannot be overridden"));
            }
            if !score.levels.iter().any(|l| l.id == o.level) {
                return Err(override_error(
                    &score.id,
                    "the override names a level the score does not have",
                ));
            }
            if o.reason.trim().is_empty() {
                return Err(override_error(&score.id, "an override needs a reason"));
            }
            outcome.level = o.level.clone();
            outcome.override_reason = Some(o.reason.clone());
        }
        scores.push(outcome);
    }
    if let Some(id) = d
        .overrides
        .keys()
        .find(|k| !t.scores.iter().any(|s| &s.id == *k))
    {
        return Err(override_error(id, "no such score in this template"));
    }
    let level = t.schedule_score.as_ref().and_then(|s| {
        scores.iter().find(|o| &o.score == s).map(|o| VisitLevel {
            score: o.score.clone(),
            level: o.level.clone(),
            overridden: o.override_reason.is_some(),
        })
    });

    let content_key = ContentKey::generate()?;
    let mut manifests = Vec::with_capacity(d.photos.len());
    let mut photo_ciphertexts = Vec::with_capacity(d.photos.len());
    for p in &d.photos {
        let Some((_, jpeg)) = input.photos.iter().find(|(id, _)| id == &p.photo_id) else {
            return Err(VisitError::Photo(format!(
                "photo {} is missing from the store",
                p.photo_id
            )));
        };
        let ct = content_key.seal(jpeg, &crate::protocol::photo_aad(&d.visit_id, &p.photo_id))?;
        manifests.push(PhotoManifest {
            photo_id: p.photo_id.clone(),
            sha256: sha256(&ct),
            size: ct.len() as u64,
            captured_at: p.captured_at,
        });
        photo_ciphertexts.push((p.photo_id.clone(), ct));
    }
    let content = VisitContent {
        answers: d.answers.clone(),
        computed: evaluation.computed,
        scores,
        investigators: investigators.clone(),
        notes: d.notes.clone(),
        photos: d
            .photos
            .iter()
            .map(|p| PhotoContent {
                photo_id: p.photo_id.clone(),
                item: p.item.clone(),
                sha256: p.sha256,
            })
            .collect(),
    };
    let clear = zeroize::Zeroizing::new(
        serde_json::to_vec(&content)
            .map_err(|_| VisitError::Photo("content could not be encoded".into()))?,
    );
    let ciphertext = content_key.seal(&clear, &crate::protocol::content_aad(&d.visit_id))?;
    let mut recipients = Vec::with_capacity(t.audiences.len());
    for audience in &t.audiences {
        let record = input
            .audience_keys
            .iter()
            .find(|k| &k.audience == audience)
            .ok_or_else(|| VisitError::MissingAudienceKey(audience.clone()))?;
        let public = AudiencePublicKey::from_bytes(&b64_decode(&record.public_key, "public_key")?)?;
        let wrapped = public.wrap(
            &content_key,
            &crate::protocol::wrap_aad(&d.visit_id, audience),
        )?;
        recipients.push(RecipientKey {
            audience: audience.clone(),
            enc: b64_encode(&wrapped.enc),
            sealed_key: b64_encode(&wrapped.sealed_key),
        });
    }

    let (distance_m, evidence) = assess_evidence(
        &EvidenceInput {
            fix: d.fix.as_ref(),
            registered: input.household.location,
            started_at: d.started_at,
            ended_at,
            photo_times: d.photos.iter().map(|p| p.captured_at).collect(),
        },
        input.thresholds,
    );
    let (prev_seq, prev_hash) = input.chain_head;
    let body = EnvelopeBody {
        version: ENVELOPE_VERSION,
        visit_id: d.visit_id.clone(),
        household_id: d.household_id.clone(),
        worker_id: input.worker_id.to_string(),
        device_id: input.device_id.to_string(),
        template_id: t.id.clone(),
        template_version: t.version,
        category: d.category.code().to_string(),
        started_at: d.started_at,
        ended_at,
        sealed_at: input.now,
        gps: d.fix.clone(),
        distance_m: distance_m.map(|m| m.round()),
        evidence,
        level,
        reported_to_police_at: d.reported_to_police_at,
        amends: d.amends.clone(),
        investigator_count: u32::try_from(investigators.len()).unwrap_or(u32::MAX),
        photos: manifests,
        chain: ChainLink {
            seq: prev_seq + 1,
            prev: prev_hash,
        },
        content: EncryptedContent {
            ciphertext: b64_encode(&ciphertext),
            recipients,
        },
    };
    let (envelope, hash) = SealedEnvelope::sign(&body, input.signing_key)?;
    Ok(SealOutput {
        envelope,
        body,
        hash,
        photo_ciphertexts,
        carried,
    })
}
