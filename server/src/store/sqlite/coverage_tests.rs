//! The SQLite store's coverage books: kept between reports, caught up from the change log, written
//! down at a stop and read back at start, always equal to a book read afresh.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use super::*;

/// Province `p` down to village `v`.
async fn village_tree(s: &SqliteStore) {
    for (id, parent, level) in [
        ("p", None, OrgLevel::Province),
        ("c", Some("p"), OrgLevel::City),
        ("k", Some("c"), OrgLevel::County),
        ("t", Some("k"), OrgLevel::Township),
        ("v", Some("t"), OrgLevel::Village),
    ] {
        s.add_org_unit(id, parent, level, id).await.unwrap();
    }
}

/// A store on a new file `t.db` in `dir` with the tree down to village `v`, and `more` villages
/// beside it in township `t`.
async fn store_on_file(dir: &tempfile::TempDir, more: &[&str]) -> (SqliteStore, PathBuf) {
    let path = dir.path().join("t.db");
    let s = SqliteStore::open(&path).unwrap();
    village_tree(&s).await;
    for v in more {
        s.add_org_unit(v, Some("t"), OrgLevel::Village, v)
            .await
            .unwrap();
    }
    (s, path)
}

#[tokio::test]
async fn coverage_sees_changes_written_by_another_connection() {
    let dir = tempfile::tempdir().unwrap();
    let (s, path) = store_on_file(&dir, &[]).await;
    s.upsert_households(vec![crate::store::conformance::household_row(
        "h", "v", "张三", None,
    )])
    .await
    .unwrap();
    let all = Scope {
        path: "/p/".into(),
        worker_id: None,
    };
    let book = s.coverage_book(&all).await.unwrap();
    assert_eq!(book.head_name(&book.households[0]), "张三");
    // As an admin command in another process would: a write the store never saw.
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE households SET head_name = '李四' WHERE id = 'h'",
            [],
        )
        .unwrap();
    let book = s.coverage_book(&all).await.unwrap();
    assert_eq!(book.head_name(&book.households[0]), "李四");
}

/// The county book a store opened afresh on `path` reads (nothing kept in memory yet).
async fn book_on_opening(path: &std::path::Path) -> CoverageBook {
    let all = Scope {
        path: "/p/".into(),
        worker_id: None,
    };
    SqliteStore::open(path)
        .unwrap()
        .coverage_book(&all)
        .await
        .unwrap()
}

#[tokio::test]
async fn kept_books_brought_up_to_date_match_books_read_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let (s, path) = store_on_file(&dir, &["v2", "v3"]).await;
    s.add_staff(&crate::store::conformance::worker_staff("w", "t"))
        .await
        .unwrap();
    let row = crate::store::conformance::household_row;
    s.upsert_households(
        (0..12)
            .map(|i| {
                let village = ["v", "v2", "v3"][i % 3];
                let worker = (i % 4 != 0).then_some("w");
                row(&format!("h{i:02}"), village, &format!("户{i}"), worker)
            })
            .collect(),
    )
    .await
    .unwrap();
    let all = Scope {
        path: "/p/".into(),
        worker_id: None,
    };
    let other = Connection::open(&path).unwrap();
    let steps = [
        // A visit entered in one household's chain.
        "UPDATE households SET visit_chains = '1790000000,tekun,HIGH' WHERE id = 'h04'",
        // A household moves to another village and another worker.
        "UPDATE households SET village_id = 'v3', worker_id = NULL WHERE id = 'h01'",
        // One household deleted, one added, one renamed, in one transaction.
        "BEGIN;
         DELETE FROM households WHERE id = 'h05';
         INSERT INTO households (id, village_id, worker_id, record_json, head_name,
             categories, visit_chains)
             VALUES ('h00a', 'v', 'w', '{}', '新户', 'dibao:2026-01-01',
                 '1790000000,dibao;1790086400,dibao,LOW');
         UPDATE households SET head_name = '改名' WHERE id = 'h06';
         COMMIT;",
        // A column coverage does not read: logged nowhere, book unchanged.
        "UPDATE households SET lat = 1.5 WHERE id = 'h07'",
    ];
    s.coverage_book(&all).await.unwrap();
    for (i, step) in steps.iter().enumerate() {
        other.execute_batch(step).unwrap();
        let kept = s.coverage_book(&all).await.unwrap();
        let afresh = book_on_opening(&path).await;
        assert_eq!(kept.contents(), afresh.contents(), "after step {i}");
    }
    let book = s.coverage_book(&all).await.unwrap();
    let ids: Vec<&str> = book.households.iter().map(|h| book.id(h)).collect();
    assert!(ids.contains(&"h00a") && !ids.contains(&"h05"));
    let h01 = book
        .households
        .iter()
        .find(|h| book.id(h) == "h01")
        .unwrap();
    assert_eq!((book.village(h01), book.worker(h01)), ("v3", None));
}

#[tokio::test]
async fn books_saved_at_a_stop_are_read_back_and_caught_up_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let (first, path) = store_on_file(&dir, &[]).await;
    let all = Scope {
        path: "/p/".into(),
        worker_id: None,
    };
    let head = |b: &CoverageBook, id: &str| {
        let h = b.households.iter().find(|h| b.id(h) == id).unwrap();
        b.head_name(h).to_owned()
    };
    let row = crate::store::conformance::household_row;
    first
        .upsert_households(vec![row("a", "v", "甲", None), row("b", "v", "乙", None)])
        .await
        .unwrap();
    first.save_reports().await.unwrap();
    let other = Connection::open(&path).unwrap();
    let snapshots = |c: &Connection| -> i64 {
        c.query_row("SELECT count(*) FROM coverage_snapshot", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(snapshots(&other), 0, "nothing kept, nothing saved");
    first.coverage_book(&all).await.unwrap();
    first.save_reports().await.unwrap();
    drop(first);
    assert_eq!(snapshots(&other), 5, "a book per unit of the tree");
    let seen: i64 = other
        .query_row("SELECT max(seq) FROM household_changes", [], |r| r.get(0))
        .unwrap();

    // A change while stopped is caught up from the log.
    other
        .execute(
            "UPDATE households SET head_name = '乙二' WHERE id = 'b'",
            [],
        )
        .unwrap();
    let second = SqliteStore::open(&path).unwrap();
    let book = second.coverage_book(&all).await.unwrap();
    assert_eq!(
        (head(&book, "a"), head(&book, "b")),
        ("甲".into(), "乙二".into())
    );

    // The snapshot really is the starting point: a change whose log entry is gone is not seen.
    other
        .execute_batch(&format!(
            "UPDATE households SET head_name = '甲二' WHERE id = 'a';
             DELETE FROM household_changes WHERE seq > {seen};"
        ))
        .unwrap();
    let book = book_on_opening(&path).await;
    assert_eq!(head(&book, "a"), "甲", "read back from the snapshot");

    // A snapshot the log no longer covers, or one that does not read back, is read past.
    other
        .execute_batch(&format!(
            "INSERT INTO household_changes (seq, household_id, village_id)
                 VALUES ({seen} + 5, 'a', 'v');
             DELETE FROM household_changes WHERE seq <= {seen} + 4;"
        ))
        .unwrap();
    let book = book_on_opening(&path).await;
    assert_eq!(
        head(&book, "a"),
        "甲二",
        "the log was cut after the snapshot"
    );
    other
        .execute_batch(&format!(
            "UPDATE coverage_snapshot SET book = x'00';
             UPDATE coverage_snapshot_mark SET seen = {seen} + 5;
             UPDATE households SET head_name = '甲三' WHERE id = 'a';
             DELETE FROM household_changes WHERE seq > {seen} + 5;"
        ))
        .unwrap();
    let book = book_on_opening(&path).await;
    assert_eq!(head(&book, "a"), "甲三", "an unreadable snapshot");
}

#[tokio::test]
async fn a_save_while_serving_writes_only_changed_books_and_a_crash_after_it_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (s, path) = store_on_file(&dir, &["v2"]).await;
    let row = crate::store::conformance::household_row;
    s.upsert_households(vec![row("a", "v", "甲", None), row("b", "v2", "乙", None)])
        .await
        .unwrap();
    s.warm_reports().await.unwrap();
    s.save_reports().await.unwrap();
    let other = Connection::open(&path).unwrap();
    other
        .execute_batch(
            "CREATE TABLE snapshot_writes (village_id TEXT);
             CREATE TRIGGER snapshot_insert AFTER INSERT ON coverage_snapshot BEGIN
                 INSERT INTO snapshot_writes VALUES (NEW.village_id);
             END;
             CREATE TRIGGER snapshot_update AFTER UPDATE ON coverage_snapshot BEGIN
                 INSERT INTO snapshot_writes VALUES (NEW.village_id);
             END;",
        )
        .unwrap();
    let written = |c: &Connection| -> Vec<String> {
        c.prepare("SELECT village_id FROM snapshot_writes ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    s.save_reports().await.unwrap();
    assert!(
        written(&other).is_empty(),
        "nothing changed, nothing written"
    );
    other
        .execute(
            "UPDATE households SET head_name = '甲二' WHERE id = 'a'",
            [],
        )
        .unwrap();
    s.refresh_reports().await.unwrap();
    s.save_reports().await.unwrap();
    assert_eq!(written(&other), ["v"], "only the changed village's book");
    let mark = |c: &Connection| -> i64 {
        c.query_row("SELECT seen FROM coverage_snapshot_mark", [], |r| r.get(0))
            .unwrap()
    };
    let newest: i64 = other
        .query_row("SELECT max(seq) FROM household_changes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mark(&other), newest);

    // A crash: changes after the last save, and no save at the stop.
    other
        .execute(
            "UPDATE households SET head_name = '乙二' WHERE id = 'b'",
            [],
        )
        .unwrap();
    drop(s);
    let book = book_on_opening(&path).await;
    let heads: Vec<&str> = book.households.iter().map(|h| book.head_name(h)).collect();
    assert_eq!(heads, ["甲二", "乙二"]);
}

/// A store on a new file with the tree down to village `v`, household `a` in it, its books read
/// and written down; and another connection to the file.
async fn saved_store(dir: &tempfile::TempDir) -> (SqliteStore, Connection) {
    let (s, path) = store_on_file(dir, &[]).await;
    s.upsert_households(vec![crate::store::conformance::household_row(
        "a", "v", "甲", None,
    )])
    .await
    .unwrap();
    s.warm_reports().await.unwrap();
    s.save_reports().await.unwrap();
    (s, Connection::open(&path).unwrap())
}

/// Cuts the log so that it no longer holds the entries the kept books need, with a change to
/// household `a` after the cut.
fn cut_the_log(c: &Connection) {
    c.execute_batch(
        "UPDATE households SET head_name = '甲二' WHERE id = 'a';
         INSERT INTO household_changes (seq, household_id, village_id)
             VALUES ((SELECT max(seq) FROM household_changes) + 10, 'a', 'v');
         DELETE FROM household_changes WHERE seq < (SELECT max(seq) FROM household_changes);",
    )
    .unwrap();
}

fn snapshot_villages(c: &Connection) -> Vec<String> {
    c.prepare("SELECT village_id FROM coverage_snapshot ORDER BY village_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[tokio::test]
async fn books_the_cache_dropped_leave_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (s, other) = saved_store(&dir).await;
    assert_eq!(snapshot_villages(&other), ["c", "k", "p", "t", "v"]);
    cut_the_log(&other);
    // Every book is dropped; the report reads and keeps its township's units again.
    let township = Scope {
        path: "/p/c/k/t/".into(),
        worker_id: None,
    };
    s.coverage_book(&township).await.unwrap();
    s.save_reports().await.unwrap();
    assert_eq!(
        snapshot_villages(&other),
        ["t", "v"],
        "no stored book outlives the kept one"
    );
}

#[tokio::test]
async fn a_refresh_after_too_many_changes_reads_every_village_again() {
    let dir = tempfile::tempdir().unwrap();
    let (s, other) = saved_store(&dir).await;
    cut_the_log(&other);
    s.refresh_reports().await.unwrap();
    let units: Vec<String> = ["c", "k", "p", "t", "v"]
        .iter()
        .map(|u| (*u).to_owned())
        .collect();
    let kept = s.coverage_cache.lookup(&units);
    assert!(kept.iter().all(Option::is_some), "read again at once");
    let v = kept[4].as_ref().unwrap();
    assert_eq!(v.head_name(&v.households[0]), "甲二");
}

#[tokio::test]
async fn a_write_on_top_of_another_process_snapshot_is_of_every_book() {
    let dir = tempfile::tempdir().unwrap();
    let (s, other) = saved_store(&dir).await;
    // Another process wrote a snapshot since: its mark moved and one of its books differs.
    other
        .execute_batch(
            "UPDATE coverage_snapshot SET book = x'00' WHERE village_id = 'p';
             UPDATE coverage_snapshot_mark SET seen = seen + 1000;",
        )
        .unwrap();
    other
        .execute(
            "UPDATE households SET head_name = '甲二' WHERE id = 'a'",
            [],
        )
        .unwrap();
    s.save_reports().await.unwrap();
    let p: Vec<u8> = other
        .query_row(
            "SELECT book FROM coverage_snapshot WHERE village_id = 'p'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        CoverageBook::from_bytes(&p).is_some(),
        "the unchanged book is written again too"
    );
    let newest: i64 = other
        .query_row("SELECT max(seq) FROM household_changes", [], |r| r.get(0))
        .unwrap();
    let mark: i64 = other
        .query_row("SELECT seen FROM coverage_snapshot_mark", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mark, newest);
}

#[tokio::test]
async fn a_refresh_catches_kept_books_up_without_a_report() {
    let s = SqliteStore::open_in_memory().unwrap();
    village_tree(&s).await;
    s.refresh_reports().await.unwrap();
    assert_eq!(s.coverage_cache.seen(), None, "nothing kept, nothing read");
    s.warm_reports().await.unwrap();
    let before = s.coverage_cache.seen().unwrap();
    s.upsert_households(vec![crate::store::conformance::household_row(
        "h", "v", "张三", None,
    )])
    .await
    .unwrap();
    s.refresh_reports().await.unwrap();
    assert!(s.coverage_cache.seen().unwrap() > before);
    let kept = s.coverage_cache.lookup(&["v".into()]);
    let book = kept[0].as_ref().unwrap();
    assert_eq!(book.head_name(&book.households[0]), "张三");
}

#[tokio::test]
async fn warming_keeps_every_village_book() {
    let s = SqliteStore::open_in_memory().unwrap();
    village_tree(&s).await;
    let units: Vec<String> = ["c", "k", "p", "t", "v"]
        .iter()
        .map(|u| (*u).to_owned())
        .collect();
    assert!(s.coverage_cache.lookup(&units).iter().all(Option::is_none));
    s.warm_reports().await.unwrap();
    assert!(s.coverage_cache.lookup(&units).iter().all(Option::is_some));
}
