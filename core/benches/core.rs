//! Core benchmarks: sealing a 30-answer visit, listing a caseload of 5,000 households with due
//! dates, and opening a store that holds 100,000 sealed visits.

#![allow(clippy::unwrap_used)]

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fieldvisit_core::Engine;
use fieldvisit_core::caseload::{Category, CategoryRegistration, Household, Member};
use fieldvisit_core::crypto::{AudiencePrivateKey, StaticKeyProvider, b64_encode};
use fieldvisit_core::geo::{GeoPoint, GpsFix};
use fieldvisit_core::protocol::AudienceKeyRecord;
use fieldvisit_core::store::Store;
use fieldvisit_core::template::builtin::sample::sample_answers;

const KEY: [u8; 32] = [7; 32];

fn household(i: usize) -> Household {
    let categories = [
        Category::Dibao,
        Category::LeftBehindChild,
        Category::ElderlyAlone,
        Category::Tekun,
    ];
    Household {
        id: format!("hh-{i:06}"),
        village_id: format!("v-{:03}", i % 90),
        head_name: format!("户主{i}"),
        id_number: "320115195001011234".into(),
        address: "某县某镇某村".into(),
        categories: vec![CategoryRegistration {
            category: categories[i % 4],
            since: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        }],
        location: Some(GeoPoint {
            lat: 31.9 + (i as f64) * 1e-5,
            lon: 118.8,
        }),
        members: vec![Member {
            name: format!("成员{i}"),
            relation: "本人".into(),
            birth_date: None,
        }],
    }
}

fn engine_with(dir: &std::path::Path, households: usize) -> Engine {
    let engine = Engine::open(&dir.join("phone.db"), &StaticKeyProvider::new(KEY)).unwrap();
    let list: Vec<Household> = (0..households).map(household).collect();
    engine.store().put_households(&list).unwrap();
    let k = AudiencePrivateKey::generate();
    engine
        .store()
        .put_audience_keys(&[AudienceKeyRecord {
            audience: "child-welfare".into(),
            public_key: b64_encode(&k.public_key().to_bytes()),
        }])
        .unwrap();
    engine
}

/// A child visit answered with the sample (and the optional items a worker fills in) up to 30 answers.
fn draft_30(engine: &Engine, n: i64) -> String {
    let at = Utc.with_ymd_and_hms(2026, 5, 20, 2, 0, 0).unwrap() + Duration::minutes(n);
    let fix = GpsFix {
        point: GeoPoint {
            lat: 31.9,
            lon: 118.8,
        },
        accuracy_m: 10.0,
        fix_time: at,
        mock: false,
    };
    let v = engine
        .start_visit("hh-000001", Category::LeftBehindChild, Some(fix), at)
        .unwrap();
    let mut answers = sample_answers("child-guardianship").unwrap();
    for (k, val) in [
        ("caregiver_phone", "13800000000"),
        ("child_view", "想念爸爸妈妈"),
        ("support_plan", "每月电话回访"),
    ] {
        answers
            .entry(k.to_string())
            .or_insert_with(|| serde_json::json!(val));
    }
    for (key, value) in &answers {
        engine.answer(&v, key, value).unwrap();
    }
    engine.set_investigators(&v, vec!["社工".into()]).unwrap();
    engine.finish(&v, at + Duration::minutes(30)).unwrap();
    v
}

fn bench_seal(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with(dir.path(), 2);
    let probe = draft_30(&engine, 0);
    let answers = engine.draft(&probe).unwrap().answers.len();
    eprintln!("sealing a visit with {answers} answers");
    assert!(
        answers >= 30,
        "the benchmark visit must have at least 30 answers"
    );
    let mut n = 1;
    c.bench_function("seal_30_answer_visit", |b| {
        b.iter_batched(
            || {
                n += 1;
                draft_30(&engine, n)
            },
            |v| engine.seal(&v, Utc::now()).unwrap(),
            BatchSize::PerIteration,
        )
    });
}

fn bench_caseload(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with(dir.path(), 5_000);
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    assert_eq!(engine.caseload(today).unwrap().len(), 5_000);
    c.bench_function("caseload_5000_households", |b| {
        b.iter(|| engine.caseload(today).unwrap())
    });
}

fn bench_open(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phone.db");
    {
        let engine = engine_with(dir.path(), 2);
        let v = draft_30(&engine, 0);
        engine.seal(&v, Utc::now()).unwrap();
    }
    // Fill to 100,000 sealed visits by copying the real one under new ids (opening does not read them).
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "BEGIN;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
             INSERT INTO visits SELECT printf('copy%06d', i), household_id, template_id, template_version, category, state, started_at, updated_at, data FROM n, (SELECT * FROM visits LIMIT 1);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
             INSERT INTO sealed SELECT printf('copy%06d', i), i + 1, hash, sealed_at, envelope FROM n, (SELECT * FROM sealed LIMIT 1);
             COMMIT;",
        )
        .unwrap();
    }
    let keys = StaticKeyProvider::new(KEY);
    assert_eq!(
        Store::open(&path, &keys).unwrap().sealed_count().unwrap(),
        100_000
    );
    c.bench_function("open_store_100k_sealed", |b| {
        b.iter(|| Engine::open(&path, &keys).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(5));
    targets = bench_seal, bench_caseload, bench_open
}
criterion_main!(benches);
