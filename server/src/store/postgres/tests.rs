//! PostgreSQL tests: the shared conformance suite, migrations, and what only a multi-connection
//! backend can get wrong (concurrent ingests, audit appends, login failures, review transitions).
//! Each test runs in a fresh schema of the database named by `FIELDVISIT_TEST_PG`.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::Utc;
use fieldvisit_core::crypto::{Sha256Hash, sha256};
use tokio_postgres::NoTls;

use super::*;
use crate::audit::Verification;
use crate::testenv;

/// A fresh schema and a store on it; dropped by [`TestDb::finish`].
struct TestDb {
    store: PgStore,
    config: tokio_postgres::Config,
    schema: testenv::PgSchema,
}

async fn admin_client(config: &tokio_postgres::Config) -> tokio_postgres::Client {
    let (client, conn) = config.connect(NoTls).await.unwrap();
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            eprintln!("admin connection: {e}");
        }
    });
    client
}

impl TestDb {
    async fn new() -> Option<Self> {
        let schema = testenv::PgSchema::create("fv_test").await?;
        let config = schema.config.clone();
        let store = PgStore::connect_with(config.clone()).await.unwrap();
        Some(TestDb {
            store,
            config,
            schema,
        })
    }

    /// A second store on the same schema: another pool, as another server process would have.
    async fn second_store(&self) -> PgStore {
        PgStore::connect_with(self.config.clone()).await.unwrap()
    }

    async fn finish(self) {
        self.schema.drop_schema().await;
    }
}

#[tokio::test]
async fn postgres_passes_the_conformance_suite() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    crate::store::conformance::run_all(&db.store).await;
    db.finish().await;
}

#[tokio::test]
async fn migrates_from_every_earlier_version_and_refuses_a_newer_one() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    for start in 0..=MIGRATIONS.len() {
        let schema = testenv::unique_name("fv_mig");
        let admin = admin_client(&db.config).await;
        admin
            .batch_execute(&format!("CREATE SCHEMA \"{schema}\""))
            .await
            .unwrap();
        let mut config = db.config.clone();
        config.options(format!("-c search_path={schema}"));
        if start > 0 {
            // Not through `migrate`: an old server left the schema at version `start`.
            let pool_cfg = config.clone();
            let store = PgStore {
                pool: Pool::builder(Manager::from_config(
                    pool_cfg,
                    NoTls,
                    ManagerConfig {
                        recycling_method: RecyclingMethod::Fast,
                    },
                ))
                .max_size(1)
                .build()
                .unwrap(),
            };
            migrations::apply_first(&store.client().await.unwrap(), start)
                .await
                .unwrap();
        }
        let store = PgStore::connect_with(config.clone()).await.unwrap();
        let mut c = store.client().await.unwrap();
        assert_eq!(migrate(&mut c).await.unwrap(), current_version());
        assert_eq!(migrate(&mut c).await.unwrap(), current_version());
        if start == MIGRATIONS.len() {
            c.execute("UPDATE schema_version SET version = 999", &[])
                .await
                .unwrap();
            assert!(migrate(&mut c).await.is_err());
        }
        admin
            .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
            .await
            .unwrap();
    }
    db.finish().await;
}

#[tokio::test]
async fn tokens_issued_before_they_expired_count_as_expired() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let schema = testenv::unique_name("fv_tok");
    let admin = admin_client(&db.config).await;
    admin
        .batch_execute(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .unwrap();
    let mut config = db.config.clone();
    config.options(format!("-c search_path={schema}"));
    let old = PgStore {
        pool: Pool::builder(Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        ))
        .max_size(1)
        .build()
        .unwrap(),
    };
    // A device enrolled by the server of schema 13, whose tokens never expired.
    let c = old.client().await.unwrap();
    migrations::apply_first(&c, 13).await.unwrap();
    c.batch_execute(
        "INSERT INTO org_units (id, parent_id, level, name, path) VALUES ('p', NULL, 'province', 'p', '/p/');
         INSERT INTO staff (id, login, display_name, role, scope_unit_id, password_hash)
             VALUES ('w', 'w', 'w', 'worker', 'p', 'x');
         INSERT INTO devices (id, worker_id, public_key, token_hash, label, enrolled_at)
             VALUES ('d', 'w', '\\x01', 'h', 'phone', now());",
    )
    .await
    .unwrap();
    drop(c);
    let store = PgStore::connect_with(config).await.unwrap();
    let d = store.device_by_token("h").await.unwrap().unwrap();
    assert!(d.token_expires_at < chrono::Utc::now());
    assert_eq!(d.renewal_signed_at, 0);
    admin
        .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .await
        .unwrap();
    db.finish().await;
}

/// Province → village `v1`, worker `w`, devices `d1` and `d2`, household `h`.
async fn seed(s: &PgStore) {
    s.add_org_unit("p", None, OrgLevel::Province, "省", None)
        .await
        .unwrap();
    s.add_org_unit("c", Some("p"), OrgLevel::City, "市", None)
        .await
        .unwrap();
    s.add_org_unit("k", Some("c"), OrgLevel::County, "县", None)
        .await
        .unwrap();
    s.add_org_unit("t", Some("k"), OrgLevel::Township, "镇", None)
        .await
        .unwrap();
    s.add_org_unit("v1", Some("t"), OrgLevel::Village, "村", None)
        .await
        .unwrap();
    s.add_staff(&crate::store::conformance::worker_staff("w", "t"), None)
        .await
        .unwrap();
    let now = Utc::now();
    for d in ["d1", "d2"] {
        s.add_enrollment_code(
            &EnrollmentCode {
                code_hash: format!("code-{d}"),
                worker_id: "w".into(),
                created_by: "cli".into(),
                expires_at: now + chrono::Duration::hours(1),
            },
            &crate::audit::fixture_draft("add_enrollment_code"),
        )
        .await
        .unwrap();
        s.enroll_device(
            &format!("code-{d}"),
            now,
            &Device {
                id: d.into(),
                worker_id: String::new(),
                public_key: vec![1; 32],
                token_hash: format!("tok-{d}"),
                label: "phone".into(),
                enrolled_at: now,
                revoked_at: None,
                token_expires_at: now,
                renewal_signed_at: 0,
            },
            &crate::audit::fixture_draft("enroll_device"),
        )
        .await
        .unwrap();
    }
    s.upsert_households(
        vec![crate::store::conformance::household_row(
            "h",
            "v1",
            "张三",
            Some("w"),
        )],
        None,
    )
    .await
    .unwrap();
}

fn body(device: &str, seq: u64) -> Sha256Hash {
    sha256(format!("{device}/{seq}").as_bytes())
}

/// Visit `seq` of `device`'s chain.
fn chained(device: &str, seq: u64, template: &str) -> NewVisit {
    let now = Utc::now();
    NewVisit {
        visit_id: format!("{device}-{seq}"),
        device_id: device.into(),
        worker_id: "w".into(),
        household_id: "h".into(),
        body_hash: body(device, seq),
        chain_seq: seq,
        chain_prev: if seq == 1 {
            Sha256Hash::ZERO
        } else {
            body(device, seq - 1)
        },
        envelope_json: "{}".into(),
        body_json: "{}".into(),
        category: "dibao".into(),
        template_id: template.into(),
        started_at: now,
        ended_at: now,
        level: None,
        reported_to_police_at: None,
        photos: vec![(format!("p{seq}"), sha256(b"p"), 1)],
        received_at: now,
        facts: VisitFacts::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_ingests_store_each_visit_exactly_once_with_an_intact_chain() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    seed(&db.store).await;
    let other = Arc::new(db.second_store().await);
    let store = Arc::new(db.store.clone());
    // Every visit of two 15-visit chains, three times each, all at once, in an order where
    // successors often arrive before their predecessors; half through a second pool.
    const CHAIN: u64 = 15;
    let mut jobs = Vec::new();
    for round in 0..3u64 {
        for seq in (1..=CHAIN).rev() {
            for device in ["d1", "d2"] {
                let s: Arc<PgStore> = if (seq + round) % 2 == 0 {
                    Arc::clone(&store)
                } else {
                    Arc::clone(&other)
                };
                let v = chained(device, seq, "t");
                jobs.push(tokio::spawn(async move { s.ingest_visit(&v).await }));
            }
        }
    }
    let (mut stored, mut duplicate) = (0, 0);
    for j in jobs {
        match j.await.unwrap().unwrap() {
            IngestOutcome::Stored(_) => stored += 1,
            IngestOutcome::Duplicate(_) => duplicate += 1,
            IngestOutcome::Conflict => panic!("same envelope reported as a conflict"),
        }
    }
    assert_eq!((stored, duplicate), (2 * CHAIN, 4 * CHAIN));
    let visits = store
        .visits(&Scope {
            path: "/p/".into(),
            worker_id: None,
        })
        .await
        .unwrap();
    assert_eq!(visits.len() as u64, 2 * CHAIN);
    assert!(
        visits.iter().all(|v| v.chain_status == ChainStatus::Ok),
        "every gap is closed once its predecessor arrives: {:?}",
        visits
            .iter()
            .map(|v| (&v.visit_id, v.chain_status))
            .collect::<Vec<_>>()
    );
    let c = store.counts().await.unwrap();
    assert_eq!((c.visits, c.photos), (2 * CHAIN, 2 * CHAIN));
    // The same visit id with another envelope, from many tasks at once: a conflict every time.
    let mut jobs = Vec::new();
    for i in 0..10u64 {
        let s = Arc::clone(if i % 2 == 0 { &store } else { &other });
        let v = NewVisit {
            body_hash: sha256(format!("forged {i}").as_bytes()),
            ..chained("d1", 1, "t")
        };
        jobs.push(tokio::spawn(async move { s.ingest_visit(&v).await }));
    }
    for j in jobs {
        assert_eq!(j.await.unwrap().unwrap(), IngestOutcome::Conflict);
    }
    assert_eq!(store.counts().await.unwrap().visits, 2 * CHAIN);
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_audit_appends_form_one_unbroken_chain() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let other = Arc::new(db.second_store().await);
    let store = Arc::new(db.store.clone());
    const N: u64 = 60;
    let key = Arc::new(crate::audit::AuditKey::from_bytes(&[9; 32]));
    let mut jobs = Vec::new();
    for i in 0..N {
        let s = Arc::clone(if i % 2 == 0 { &store } else { &other });
        let draft = crate::audit::draft(
            &key,
            "cli",
            "test.append",
            &format!("t{i}"),
            serde_json::json!({}),
        );
        jobs.push(tokio::spawn(async move { s.append_audit(&draft).await }));
    }
    let mut seqs = Vec::new();
    for j in jobs {
        seqs.push(j.await.unwrap().unwrap().seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=N).collect::<Vec<_>>());
    assert_eq!(
        crate::audit::verify_with(store.as_ref(), &key, &[])
            .await
            .unwrap(),
        Verification::Intact {
            entries: N,
            checkpoint: None
        }
    );
    // The log is append-only in the database itself.
    let c = store.client().await.unwrap();
    assert!(
        c.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 3", &[])
            .await
            .is_err()
    );
    assert!(
        c.execute("DELETE FROM audit_log WHERE seq = 3", &[])
            .await
            .is_err()
    );
    drop(c);
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_login_failures_all_count_and_lock_once_per_round() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    seed(&db.store).await;
    let store = Arc::new(db.store.clone());
    let until = Utc::now() + chrono::Duration::minutes(15);
    let mut jobs = Vec::new();
    for _ in 0..20 {
        let s = Arc::clone(&store);
        jobs.push(tokio::spawn(async move {
            s.login_failed("w", 5, until, &crate::audit::fixture_draft("login_failed"))
                .await
        }));
    }
    let mut locks = 0;
    let mut counts = Vec::new();
    for j in jobs {
        let (n, locked) = j.await.unwrap().unwrap();
        if locked {
            locks += 1;
        } else {
            counts.push(n);
        }
    }
    assert_eq!(locks, 4, "20 failures with a lock at every 5th");
    counts.sort_unstable();
    assert_eq!(counts, [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]);
    let w = store.staff("w").await.unwrap().unwrap();
    assert_eq!(w.failed_logins, 0);
    assert!(w.locked_until.is_some());
    assert!(matches!(
        store
            .login_failed(
                "nobody",
                5,
                until,
                &crate::audit::fixture_draft("login_failed")
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_review_transitions_let_exactly_one_win() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    seed(&db.store).await;
    let store = Arc::new(db.store.clone());
    store
        .ingest_visit(&chained("d1", 1, GUARDIANSHIP_TEMPLATE))
        .await
        .unwrap();
    let mut jobs = Vec::new();
    for i in 0..12 {
        let s = Arc::clone(&store);
        jobs.push(tokio::spawn(async move {
            s.transition_review(
                &ReviewEvent {
                    visit_id: "d1-1".into(),
                    at: Utc::now(),
                    actor: format!("r{i}"),
                    from: ReviewState::Submitted,
                    to: ReviewState::InReview,
                    reason: "take".into(),
                    escalation: None,
                },
                None,
                None,
            )
            .await
        }));
    }
    let mut won = 0;
    for j in jobs {
        match j.await.unwrap() {
            Ok(r) => {
                assert_eq!(r.state, ReviewState::InReview);
                won += 1;
            }
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(store.review_events("d1-1").await.unwrap().len(), 1);
    db.finish().await;
}

#[tokio::test]
async fn errors_carry_no_row_values() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    seed(&db.store).await;
    // A session for an unknown staff id breaks a foreign key; PostgreSQL's DETAIL line would name
    // the value, and it must not reach the error text.
    let err = db
        .store
        .add_session(
            &Session {
                token_hash: "secret-token-hash".into(),
                staff_id: "unknown-staff-zhang".into(),
                csrf_token: "c".into(),
                expires_at: Utc::now(),
                last_seen_at: Utc::now(),
            },
            None,
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("23503"), "{err}");
    assert!(
        !err.contains("unknown-staff-zhang") && !err.contains("secret"),
        "{err}"
    );
    db.finish().await;
}

#[tokio::test]
async fn a_statement_runs_out_of_time_and_a_request_does_not_wait_forever_for_a_connection() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let options = PgOptions {
        pool_size: 1,
        wait: std::time::Duration::from_millis(200),
        statement_timeout: std::time::Duration::from_millis(300),
        connect_timeout: std::time::Duration::from_secs(5),
    };
    let store = PgStore::connect_with_options(db.config.clone(), &options)
        .await
        .unwrap();
    let held = store.client().await.unwrap();
    let err = held.query("SELECT pg_sleep(2)", &[]).await.unwrap_err();
    assert!(
        super::is_state(&err, &tokio_postgres::error::SqlState::QUERY_CANCELED),
        "{err}"
    );
    // The one connection is taken: the next call fails after the wait, not never.
    let began = std::time::Instant::now();
    let e = store.org_unit("-").await.unwrap_err();
    assert!(began.elapsed() < std::time::Duration::from_secs(5));
    assert!(e.to_string().contains("pool"), "{e}");
    drop(held);
    assert!(store.org_unit("-").await.unwrap().is_none());
    db.finish().await;
}

/// A production role with data rights only (`docs/deploy.md`): once the owner has migrated, it
/// serves (reads, writes, ingest with the due ledger), and cannot change tables or the audit log.
#[tokio::test]
async fn a_role_without_rights_to_change_tables_serves_once_the_owner_migrated() {
    let Some(db) = TestDb::new().await else {
        return;
    };
    let Some(app_url) = testenv::backend("FIELDVISIT_TEST_PG_APP") else {
        db.finish().await;
        return;
    };
    let schema = db.schema.name().to_owned();
    admin_client(&db.config)
        .await
        .batch_execute(&format!(
            "GRANT USAGE ON SCHEMA \"{schema}\" TO fieldvisit_app;
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"{schema}\"
                 TO fieldvisit_app;
             GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA \"{schema}\" TO fieldvisit_app;"
        ))
        .await
        .unwrap();
    let mut app: tokio_postgres::Config = app_url.parse().unwrap();
    app.options(format!("-c search_path={schema}"));
    // Opening the store finds the schema current and changes nothing.
    let store = PgStore::connect_with(app.clone()).await.unwrap();
    seed(&store).await;
    for seq in 1..=3 {
        assert!(matches!(
            store.ingest_visit(&chained("d1", seq, "t")).await.unwrap(),
            IngestOutcome::Stored(_)
        ));
    }
    let key = Arc::new(crate::audit::AuditKey::from_bytes(&[9; 32]));
    store
        .append_audit(&crate::audit::draft(
            &key,
            "cli",
            "test.entry",
            "-",
            serde_json::json!({}),
        ))
        .await
        .unwrap();
    let client = admin_client(&app).await;
    for sql in [
        "CREATE TABLE intruder (a INTEGER)",
        "ALTER TABLE visits ADD COLUMN intruder INTEGER",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DROP TABLE dues",
        "UPDATE audit_log SET action = 'rewritten'",
        "DELETE FROM audit_log",
    ] {
        assert!(client.batch_execute(sql).await.is_err(), "{sql}");
    }
    db.finish().await;
}

/// `FIELDVISIT_TEST_PG` pointed at `host`, with TLS parameters and a schema of its own.
fn tls_url(host: &str, ca: &str, schema: &str) -> String {
    let base = testenv::backend("FIELDVISIT_TEST_PG").unwrap_or_default();
    let config: tokio_postgres::Config = base.parse().unwrap();
    let user = config.get_user().unwrap_or("postgres");
    let password = config
        .get_password()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .unwrap_or_default();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().unwrap_or("postgres");
    format!(
        "postgres://{user}:{password}@{host}:{port}/{db}?sslmode=verify-full&sslrootcert={ca}\
         &options=-c%20search_path%3D{schema}"
    )
}

#[tokio::test]
async fn verify_full_reaches_only_the_host_the_certificate_names_under_its_ca() {
    let (Some(ca), Some(host)) = (
        testenv::backend("FIELDVISIT_TEST_PG_CA"),
        testenv::backend("FIELDVISIT_TEST_PG_TLS_HOST"),
    ) else {
        return;
    };
    let Some(schema) = testenv::PgSchema::create("fv_tls").await else {
        return;
    };
    let options = PgOptions::default();
    let store = PgStore::connect(&tls_url(&host, &ca, schema.name()), &options)
        .await
        .unwrap_or_else(|e| panic!("verify-full to {host}: {e}"));
    let encrypted: bool = store
        .client()
        .await
        .unwrap()
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(encrypted, "the connection is not encrypted");
    drop(store);

    // The same certificate does not name 127.0.0.1 (unless the host is that address).
    if host != "127.0.0.1" {
        let wrong_name = PgStore::connect(&tls_url("127.0.0.1", &ca, schema.name()), &options)
            .await
            .expect_err("a certificate that does not name 127.0.0.1 is refused");
        assert!(
            wrong_name.to_string().contains("certificate"),
            "{wrong_name}"
        );
    }
    // A CA that did not sign the database's certificate.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other-ca.pem");
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec![host.clone()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    std::fs::write(&other, cert.pem()).unwrap();
    let stranger = PgStore::connect(
        &tls_url(&host, other.to_str().unwrap(), schema.name()),
        &options,
    )
    .await
    .expect_err("a certificate from another CA is refused");
    assert!(stranger.to_string().contains("certificate"), "{stranger}");
    schema.drop_schema().await;
}
