//! The due-ledger part of the conformance suite: the ledger follows every change, and stepping
//! it visit by visit leaves what a full replay does.

use chrono::NaiveDate;

use super::*;

/// A visit of household `household` on the local date `on`, chained on device `d` at `seq`.
fn ledger_visit(id: &str, household: &str, on: NaiveDate, seq: u64) -> NewVisit {
    let at = on.and_hms_opt(2, 0, 0).unwrap().and_utc();
    NewVisit {
        visit_id: id.into(),
        device_id: "d".into(),
        worker_id: "w".into(),
        household_id: household.into(),
        body_hash: sha256(id.as_bytes()),
        chain_seq: seq,
        chain_prev: sha256(b"earlier"),
        envelope_json: "{}".into(),
        body_json: "{}".into(),
        category: "tekun".into(),
        template_id: "t".into(),
        started_at: at,
        ended_at: at,
        level: None,
        reported_to_police_at: None,
        photos: vec![],
        received_at: Utc::now(),
        facts: VisitFacts::default(),
    }
}

/// (household, village, worker, due date, visited date) of ledger rows, sorted.
fn ledger_rows(entries: Vec<DueEntry>) -> Vec<(String, String, Option<String>, NaiveDate)> {
    let mut rows: Vec<_> = entries
        .into_iter()
        .map(|e| (e.household_id, e.village_id, e.worker_id, e.due_on))
        .collect();
    rows.sort();
    rows
}

/// The due ledger follows visits (also ones that arrive late), registrations, workers,
/// schedules and moves, and counts on time, late, missed and pending as `docs/domain.md` §5 says.
pub(super) async fn the_due_ledger_follows_every_change(s: &dyn Store) {
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let all = Scope {
        path: "/p/".into(),
        worker_id: None,
    };
    s.add_org_unit("v2", Some("t1"), OrgLevel::Village, "二村", None)
        .await
        .unwrap();
    let row = |id: &str, worker: &str, since: NaiveDate| {
        let mut r = household_row(id, "v2", "王五", Some(worker));
        r.household.categories = vec![CategoryRegistration {
            category: Category::Tekun,
            since,
        }];
        r
    };
    // Monthly 特困: h3 registered 09-01, h4 on 10-10; neither visited yet.
    s.upsert_households(
        vec![row("h3", "w", d(9, 1)), row("h4", "w", d(10, 10))],
        None,
    )
    .await
    .unwrap();
    let open = |before| s.due_entries(&all, DueRows::Open { before });
    let w = || Some("w".to_owned());
    assert_eq!(
        ledger_rows(open(None).await.unwrap()),
        [
            ("h3".into(), "v2".into(), w(), d(9, 1)),
            ("h4".into(), "v2".into(), w(), d(10, 10)),
        ]
    );
    // h3 is visited on time on 09-01 and 10-01 and late on 11-05 (due 11-01); the visits arrive
    // out of order, and each arrival replays the household.
    for (id, on, seq) in [
        ("c3", d(11, 5), 43),
        ("c1", d(9, 1), 41),
        ("c2", d(10, 1), 42),
    ] {
        assert!(matches!(
            s.ingest_visit(&ledger_visit(id, "h3", on, seq))
                .await
                .unwrap(),
            IngestOutcome::Stored(_)
        ));
    }
    let query = DueCountQuery {
        from: d(9, 1),
        to: d(12, 31),
        today: d(11, 20),
        by_month: false,
    };
    let totals = |counts: Vec<DueCount>| {
        counts.iter().fold((0, 0, 0, 0, 0, 0), |t, c| {
            (
                t.0 + c.due,
                t.1 + c.on_time,
                t.2 + c.late,
                t.3 + c.missed,
                t.4 + c.pending,
                t.5 + c.registered,
            )
        })
    };
    // h3: two on time, one late, the next (12-05) pending; h4: its first visit missed.
    let counts = s.due_counts(&all, &query).await.unwrap();
    assert_eq!(totals(counts.clone()), (5, 2, 1, 1, 1, 2));
    assert!(
        counts
            .iter()
            .all(|c| c.village_id == "v2" && c.worker_id == w())
    );
    let overdue = s
        .due_entries(
            &all,
            DueRows::Open {
                before: Some(d(11, 20)),
            },
        )
        .await
        .unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(
        (
            overdue[0].household_id.as_str(),
            overdue[0].head_name.as_str()
        ),
        ("h4", "王五")
    );
    assert_eq!(
        overdue[0].id_number, "3201**********1234",
        "masked by the store"
    );
    let period = s
        .due_entries(
            &all,
            DueRows::Period {
                from: d(11, 1),
                to: d(11, 30),
            },
        )
        .await
        .unwrap();
    assert_eq!(period.len(), 1);
    assert_eq!(period[0].visited_on, Some(d(11, 5)));
    // By month: September and October on time, November late, December pending, and h4's
    // October date missed.
    let by_month = s
        .due_counts(
            &all,
            &DueCountQuery {
                by_month: true,
                ..query.clone()
            },
        )
        .await
        .unwrap();
    let mut months: Vec<_> = by_month
        .iter()
        .map(|c| (c.month.unwrap(), c.due, c.missed))
        .collect();
    months.sort();
    let m = |month| 2026 * 12 + month - 1;
    assert_eq!(
        months,
        [(m(9), 1, 0), (m(10), 2, 1), (m(11), 1, 0), (m(12), 1, 0)]
    );

    // A worker's caseload follows the household to its new worker.
    s.upsert_households(vec![row("h4", "w2", d(10, 10))], None)
        .await
        .unwrap();
    let w2 = Scope {
        path: "/p/".into(),
        worker_id: Some("w2".into()),
    };
    assert_eq!(
        totals(s.due_counts(&w2, &query).await.unwrap()),
        (1, 0, 0, 1, 0, 1)
    );
    // A county schedule of ten days brings h3's next date forward to 11-15; clearing it puts
    // it back.
    let ten_days = ScheduleConfig {
        rules: vec![fieldvisit_core::caseload::ScheduleRule {
            category: Category::Tekun,
            default: fieldvisit_core::caseload::Interval::Days(10),
            by_level: Default::default(),
        }],
    };
    let h3_open = || async {
        open(None)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.household_id == "h3")
            .map(|e| e.due_on)
    };
    s.set_county_schedule("k", Some(&ten_days), None)
        .await
        .unwrap();
    assert_eq!(h3_open().await, Some(d(11, 15)));
    s.set_county_schedule("k", None, None).await.unwrap();
    assert_eq!(h3_open().await, Some(d(12, 5)));
    // A correction is not a visit of its own.
    let mut amends = ledger_visit("c4", "h3", d(11, 25), 44);
    amends.facts.amends = true;
    s.ingest_visit(&amends).await.unwrap();
    assert_eq!(h3_open().await, Some(d(12, 5)));
    // Moved to another village: its rows follow; the township of v2 no longer holds them.
    s.move_household(
        "h3",
        "v1",
        Some("w"),
        &crate::audit::fixture_draft("move_household"),
    )
    .await
    .unwrap();
    let moved = ledger_rows(open(None).await.unwrap());
    assert!(moved.contains(&("h3".into(), "v1".into(), w(), d(12, 5))));
    let elsewhere = Scope {
        path: s.org_unit("t10").await.unwrap().unwrap().path,
        worker_id: None,
    };
    assert!(s.due_counts(&elsewhere, &query).await.unwrap().is_empty());
}

/// Visits stored one by one, in start order and out of it, on one day and on the next, leave the
/// ledger a full replay of the household makes.
pub(super) async fn stepped_and_replayed_ledgers_agree(s: &dyn Store) {
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let mut row = household_row("h5", "v1", "赵六", Some("w"));
    row.household.categories = [Category::Tekun, Category::LeftBehindChild]
        .into_iter()
        .map(|category| CategoryRegistration {
            category,
            since: d(1, 5),
        })
        .collect();
    s.upsert_households(vec![row], None).await.unwrap();
    let levels = [Some("HIGH"), None, Some("LOW"), Some("MEDIUM")];
    // Mostly in order; every seventh arrives after the next three; pairs on one day.
    let mut plan: Vec<(usize, NaiveDate)> = (0..28)
        .map(|i| (i, d(1, 6) + chrono::Days::new((i as u64 / 2) * 9)))
        .collect();
    for i in (0..plan.len().saturating_sub(3)).step_by(7) {
        plan[i..i + 4].rotate_left(1);
    }
    for (n, (i, on)) in plan.into_iter().enumerate() {
        let mut v = ledger_visit(&format!("st{i}"), "h5", on, 200 + n as u64);
        v.category = if i % 3 == 0 {
            "tekun"
        } else {
            "left_behind_child"
        }
        .into();
        v.level = levels[i % levels.len()].map(str::to_owned);
        v.started_at += chrono::Duration::minutes(i as i64);
        s.ingest_visit(&v).await.unwrap();
    }
    let ledger = || async {
        let scope = Scope {
            path: "/p/".into(),
            worker_id: None,
        };
        let all = DueRows::Period {
            from: d(1, 1),
            to: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
        };
        let mut rows: Vec<_> = s
            .due_entries(&scope, all)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.household_id == "h5")
            .map(|e| (e.category, e.due_on, e.visited_on))
            .collect();
        rows.sort();
        rows
    };
    let stepped = ledger().await;
    assert!(stepped.len() > 20, "{stepped:?}");
    // Setting a county's schedule replays every household of the county.
    s.set_county_schedule("k", None, None).await.unwrap();
    assert_eq!(ledger().await, stepped);
}
