#![allow(clippy::unwrap_used)]

use rusqlite::Connection;

use super::schema::{MIGRATIONS, upgrade_to};
use super::*;
use crate::caseload::{Category, CategoryRegistration, Household, LastVisit};
use crate::crypto::StaticKeyProvider;

fn keys() -> StaticKeyProvider {
    StaticKeyProvider::new([9; 32])
}

fn household() -> Household {
    Household {
        id: "hh-1".into(),
        village_id: "v".into(),
        head_name: "测试户".into(),
        id_number: "320115195001011234".into(),
        address: "某村".into(),
        categories: vec![CategoryRegistration {
            category: Category::Dibao,
            since: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        }],
        location: None,
        members: vec![],
    }
}

/// Builds a file at schema `version` the way that version of the app left it: tables, canary and a
/// household row.
fn file_at_version(path: &std::path::Path, version: u32) {
    let master = crate::crypto::KeyProvider::master_key(&keys()).unwrap();
    let cipher = RowCipher::new(master.derive("store/rows/v1"));
    let mut conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    let tx = conn.transaction().unwrap();
    upgrade_to(&tx, 0, version).unwrap();
    let canary = cipher
        .seal("meta", "value", "canary", CANARY_PLAINTEXT)
        .unwrap();
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('canary', ?1)",
        [canary.as_bytes()],
    )
    .unwrap();
    let h = household();
    let data = cipher.seal_json("households", "data", &h.id, &h).unwrap();
    tx.execute(
        "INSERT INTO households (id, data) VALUES (?1, ?2)",
        rusqlite::params![h.id, data.as_bytes()],
    )
    .unwrap();
    if version >= 3 {
        // A sealed visit's scheduling summary, as versions 3 and 4 kept it: encrypted only.
        let summary = LastVisitSummary {
            visit_id: "visit-1".into(),
            level: Some("IRREGULAR".into()),
            carried: Default::default(),
        };
        let key = format!("{}|dibao", h.id);
        let summary = cipher
            .seal_json("last_visit", "summary", &key, &summary)
            .unwrap();
        tx.execute(
            "INSERT INTO last_visit (household_id, category, sealed_on, summary) VALUES (?1, 'dibao', '2026-02-03', ?2)",
            rusqlite::params![h.id, summary.as_bytes()],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn upgrades_from_every_earlier_schema() {
    assert_eq!(MIGRATIONS.len(), SCHEMA_VERSION as usize);
    for version in 1..SCHEMA_VERSION {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        file_at_version(&path, version);
        let store = Store::open(&path, &keys()).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            i64::from(SCHEMA_VERSION),
            "from {version}"
        );
        assert_eq!(
            store.household("hh-1").unwrap(),
            Some(household()),
            "from {version}"
        );
        assert_eq!(store.sealed_count().unwrap(), 0);
        // Version 5 copies the due-date inputs out of the encrypted rows.
        let registrations: Vec<_> = household()
            .categories
            .into_iter()
            .map(|c| ("hh-1".to_string(), c))
            .collect();
        assert_eq!(
            store.registrations().unwrap(),
            registrations,
            "from {version}"
        );
        let expected_last = if version >= 3 {
            vec![(
                "hh-1".to_string(),
                Category::Dibao,
                LastVisit {
                    on: chrono::NaiveDate::from_ymd_opt(2026, 2, 3).unwrap(),
                    level: Some("IRREGULAR".into()),
                },
            )]
        } else {
            vec![]
        };
        assert_eq!(
            store.last_visits().unwrap(),
            expected_last,
            "from {version}"
        );
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }
}

#[test]
fn clear_categories_follow_households() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db"), &keys()).unwrap();
    let mut h = household();
    let mut other = household();
    other.id = "hh-0".into();
    store.put_households(&[h.clone(), other]).unwrap();
    let since = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    h.categories = vec![
        CategoryRegistration {
            category: Category::ElderlyAlone,
            since,
        },
        CategoryRegistration {
            category: Category::Dibao,
            since,
        },
    ];
    store.put_households(std::slice::from_ref(&h)).unwrap();
    let regs = store.registrations().unwrap();
    let ids: Vec<_> = regs
        .iter()
        .map(|(id, r)| (id.as_str(), r.category))
        .collect();
    assert_eq!(
        ids,
        [
            ("hh-0", Category::Dibao),
            ("hh-1", Category::ElderlyAlone),
            ("hh-1", Category::Dibao)
        ]
    );
    store.remove_households(&["hh-1".to_string()]).unwrap();
    assert_eq!(store.registrations().unwrap().len(), 1);
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    file_at_version(&path, SCHEMA_VERSION);
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    assert!(matches!(
        Store::open(&path, &keys()),
        Err(StoreError::NewerSchema { .. })
    ));
}

#[test]
fn ciphertext_moved_to_another_row_does_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store = Store::open(&path, &keys()).unwrap();
    let mut other = household();
    other.id = "hh-2".into();
    store.put_households(&[household(), other]).unwrap();
    {
        let conn = store.conn();
        conn.execute("UPDATE households SET data = (SELECT data FROM households WHERE id = 'hh-1') WHERE id = 'hh-2'", [])
            .unwrap();
    }
    assert!(matches!(
        store.household("hh-2"),
        Err(StoreError::Corrupt(_))
    ));
    assert!(store.household("hh-1").unwrap().is_some());
}

#[test]
fn template_versions_name_the_newest_of_each_plain_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db"), &keys()).unwrap();
    let base: serde_json::Value =
        serde_json::from_str(crate::template::builtin::ELDERLY_JSON).unwrap();
    let variant = |id: &str, version: u32| {
        let mut t = base.clone();
        t["id"] = serde_json::json!(id);
        t["version"] = serde_json::json!(version);
        crate::template::load_template(&t.to_string()).unwrap()
    };
    store
        .put_templates(&[
            variant("elderly-welfare", 1),
            variant("elderly-welfare", 3),
            variant("county.custom_v2", 2),
            variant("with space", 1),
        ])
        .unwrap();
    assert_eq!(
        store.template_versions().unwrap(),
        vec![
            ("county.custom_v2".to_string(), 2),
            ("elderly-welfare".to_string(), 3)
        ]
    );
    let many: Vec<_> = (0..70).map(|i| variant(&format!("t{i:02}"), 1)).collect();
    store.put_templates(&many).unwrap();
    assert_eq!(
        store.template_versions().unwrap().len(),
        crate::protocol::MAX_HELD_TEMPLATES
    );
}

#[test]
fn last_visits_from_the_server_fill_in_and_never_replace_a_newer_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db"), &keys()).unwrap();
    let record = |on: (i32, u32, u32), level: &str| crate::protocol::LastVisitRecord {
        household_id: "hh-1".into(),
        category: Category::Dibao,
        visit_id: format!("v-{}", on.1),
        on: chrono::NaiveDate::from_ymd_opt(on.0, on.1, on.2).unwrap(),
        level: Some(level.into()),
    };
    let last = |store: &Store| store.last_visits().unwrap();
    store
        .merge_last_visits(&[record((2026, 3, 1), "REGULAR")])
        .unwrap();
    assert_eq!(last(&store)[0].2.on.to_string(), "2026-03-01");
    // An older record does not move the date back.
    store
        .merge_last_visits(&[record((2026, 2, 1), "IRREGULAR")])
        .unwrap();
    assert_eq!(
        last(&store)[0].2,
        LastVisit {
            on: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            level: Some("REGULAR".into()),
        }
    );
    // A newer one moves it on.
    store
        .merge_last_visits(&[record((2026, 4, 2), "IRREGULAR")])
        .unwrap();
    assert_eq!(last(&store)[0].2.on.to_string(), "2026-04-02");
    assert_eq!(last(&store).len(), 1);
}
