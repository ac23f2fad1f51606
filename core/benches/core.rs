//! Core benchmarks: sealing a 30-answer visit, listing a caseload of 5,000 households with due
//! dates, and opening a store that holds 100,000 sealed visits.

#![allow(clippy::unwrap_used)]

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fieldvisit_core::Engine;
use fieldvisit_core::caseload::{Category, CategoryRegistration, Household, Member};
use fieldvisit_core::crypto::Sha256Hash;
use fieldvisit_core::crypto::{AudiencePrivateKey, StaticKeyProvider, b64_encode};
use fieldvisit_core::geo::{GeoPoint, GpsFix};
use fieldvisit_core::protocol::AudienceKeyRecord;
use fieldvisit_core::store::{SCHEMA_VERSION, Store};
use fieldvisit_core::template::Facts;
use fieldvisit_core::template::builtin::sample::sample_answers;
use fieldvisit_core::visit::{SealInput, seal_visit};

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
    let mut group = c.benchmark_group("seal");
    let mut n = 1;
    group.bench_function("seal_30_answer_visit", |b| {
        b.iter_batched(
            || {
                n += 1;
                draft_30(&engine, n)
            },
            |v| engine.seal(&v, Utc::now()).unwrap(),
            BatchSize::PerIteration,
        )
    });

    // The split: the same seal without the store (validate, score, encode, encrypt, HPKE, sign)...
    let draft = engine.draft(&probe).unwrap();
    let template = engine.template_for(draft.category).unwrap();
    let household = engine
        .store()
        .household(&draft.household_id)
        .unwrap()
        .unwrap();
    let audience_keys = engine.store().audience_keys().unwrap();
    let signing_key = engine.store().device_key().unwrap();
    let identity = engine.store().identity().unwrap();
    let thresholds = engine.store().thresholds().unwrap();
    let facts = Facts::default();
    group.bench_function("seal_30_answer_visit_compute_only", |b| {
        b.iter(|| {
            seal_visit(SealInput {
                draft: &draft,
                template: &template,
                household: &household,
                audience_keys: &audience_keys,
                signing_key: &signing_key,
                device_id: &identity.device_id,
                worker_id: &identity.worker_id,
                chain_head: (7, Sha256Hash::ZERO),
                thresholds: &thresholds,
                facts: &facts,
                now: Utc::now(),
                photos: Vec::new(),
            })
            .unwrap()
        })
    });
    // ...and a commit of the same size as a seal's (a state update, the encrypted envelope, the
    // scheduling row and the outbox row) in a WAL file on the same disk, with the store's
    // `synchronous=NORMAL` (commits do not wait for the disk; the flusher fsyncs after), with `FULL`
    // (an fsync inside every commit, as before the flusher) and with `OFF`.
    let envelope_len = engine.store().sealed_chain().unwrap()[0]
        .envelope
        .to_json()
        .len();
    eprintln!("a sealed envelope is {envelope_len} bytes of JSON");
    for sync in ["NORMAL", "FULL", "OFF"] {
        let conn =
            rusqlite::Connection::open(dir.path().join(format!("commit-{sync}.db"))).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "synchronous", sync).unwrap();
        conn.execute_batch(
            "CREATE TABLE v (id INTEGER PRIMARY KEY, state TEXT);
             CREATE TABLE s (id INTEGER PRIMARY KEY, hash BLOB, envelope BLOB);
             CREATE TABLE l (id INTEGER PRIMARY KEY, summary BLOB);
             CREATE TABLE o (id INTEGER PRIMARY KEY, state TEXT);
             INSERT INTO v (id, state) VALUES (1, 'draft');",
        )
        .unwrap();
        let envelope = vec![0x5a_u8; envelope_len + 28];
        let mut i = 0_i64;
        group.bench_function(format!("sqlite_commit_like_seal_sync_{sync}"), |b| {
            b.iter(|| {
                i += 1;
                let tx = conn.unchecked_transaction().unwrap();
                tx.execute("UPDATE v SET state = ?1 WHERE id = 1", [i])
                    .unwrap();
                tx.execute(
                    "INSERT INTO s (id, hash, envelope) VALUES (?1, ?2, ?3)",
                    rusqlite::params![i, [1_u8; 32].as_slice(), envelope],
                )
                .unwrap();
                tx.execute(
                    "INSERT OR REPLACE INTO l (id, summary) VALUES (1, ?1)",
                    [[2_u8; 96].as_slice()],
                )
                .unwrap();
                tx.execute("INSERT INTO o (id, state) VALUES (?1, 'pending')", [i])
                    .unwrap();
                tx.commit().unwrap();
            })
        });
    }
    group.finish();
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

const OPEN_SEALED: i64 = 100_000;

/// A store holding 100,000 sealed visits, built once and kept under the target directory (keyed by
/// the schema version), so that reruns only open it.
fn store_with_100k_sealed() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("core-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("open-100k-v{SCHEMA_VERSION}.db"));
    if path.exists() && head_seq(&path) == Some(OPEN_SEALED) {
        eprintln!("reusing {}", path.display());
        return path;
    }
    let build = tempfile::tempdir_in(&dir).unwrap();
    let tmp = build.path().join("phone.db");
    let started = std::time::Instant::now();
    {
        let engine = engine_with(build.path(), 2);
        let v = draft_30(&engine, 0);
        engine.seal(&v, Utc::now()).unwrap();
    }
    // Fill to 100,000 sealed visits by copying the real one under new ids and chain positions, with
    // their outbox rows done, in one transaction without fsyncs (opening does not read them).
    {
        let conn = rusqlite::Connection::open(&tmp).unwrap();
        conn.pragma_update(None, "synchronous", "OFF").unwrap();
        conn.execute_batch(&format!(
            "BEGIN;
             CREATE TEMP TABLE n AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {last})
                 SELECT i FROM n;
             INSERT INTO visits SELECT printf('copy%06d', i), household_id, template_id, template_version, category, state, started_at, updated_at, data
                 FROM temp.n, (SELECT * FROM visits LIMIT 1);
             INSERT INTO sealed SELECT printf('copy%06d', i), i + 1, randomblob(32), sealed_at, envelope
                 FROM temp.n, (SELECT * FROM sealed LIMIT 1);
             INSERT INTO outbox (visit_id, state, attempts) SELECT printf('copy%06d', i), 'done', 1 FROM temp.n;
             COMMIT;
             PRAGMA wal_checkpoint(TRUNCATE);",
            last = OPEN_SEALED - 1
        ))
        .unwrap();
    }
    std::fs::rename(&tmp, &path).unwrap();
    eprintln!(
        "built {} in {:.1} s",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    path
}

/// The last chain position in a fixture file, if it opens.
fn head_seq(path: &std::path::Path) -> Option<i64> {
    let conn = rusqlite::Connection::open(path).ok()?;
    conn.query_row("SELECT max(seq) FROM sealed", [], |r| r.get(0))
        .ok()
}

fn bench_open(c: &mut Criterion) {
    let path = store_with_100k_sealed();
    let keys = StaticKeyProvider::new(KEY);
    assert_eq!(
        Store::open(&path, &keys).unwrap().sealed_count().unwrap(),
        OPEN_SEALED as u64
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
