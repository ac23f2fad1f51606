//! Coverage, evidence, the monthly briefing and their scope: township A never sees township B.

use axum::body::Body;
use axum::http::StatusCode;
use chrono::{Duration, NaiveDate, TimeZone};
use fieldvisit_core::caseload::{Category, ScheduleConfig};
use fieldvisit_core::crypto::{Sha256Hash, sha256};
use fieldvisit_core::geo::{GeoPoint, GpsFix};
use fieldvisit_core::protocol::PhotoManifest;

use super::*;
use crate::ops::coverage::{self, Data, Filter};
use crate::store::{DueCount, DueEntry};

const YEAR: &str = "from=2026-01-01&to=2026-12-31";

/// Uploads a dibao visit of `hA` by `phone` with the given start, minutes, fix and photo time.
#[allow(clippy::too_many_arguments)]
async fn visit(
    w: &World,
    phone: &Phone,
    id: &str,
    seq: u64,
    prev: Sha256Hash,
    start: chrono::DateTime<Utc>,
    minutes: i64,
    fix: Option<(f64, bool)>,
    photo_at: Option<chrono::DateTime<Utc>>,
) -> Sha256Hash {
    let photos = photo_at
        .map(|at| PhotoManifest {
            photo_id: "p1".into(),
            sha256: sha256(b"x"),
            size: 1,
            captured_at: at,
        })
        .into_iter()
        .collect();
    let mut b = body(phone, id, "hA", seq, prev, photos);
    b.started_at = start;
    b.ended_at = start + Duration::minutes(minutes);
    b.sealed_at = b.ended_at;
    b.gps = fix.map(|(lat, mock)| GpsFix {
        point: GeoPoint { lat, lon: 118.9 },
        accuracy_m: 10.0,
        fix_time: start,
        mock,
    });
    let (env, hash) = seal(phone, &b);
    let r = w
        .call(
            "PUT",
            &format!("/api/v1/visits/{id}"),
            Some(&phone.token),
            env,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    hash
}

async fn get(w: &World, token: &str, uri: &str) -> Resp {
    w.call("GET", uri, Some(token), Body::empty()).await
}

#[tokio::test]
async fn coverage_counts_due_late_and_missed_with_masked_overdue_list() {
    let w = world().await;
    let sup = w.login("supA").await;
    let r = get(&w, &sup, &format!("/api/v1/coverage?{YEAR}")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["unit_id"], "tA");
    assert_eq!(
        (
            r.json["totals"]["due"].as_u64(),
            r.json["totals"]["missed"].as_u64()
        ),
        (Some(2), Some(2))
    );
    let overdue = r.json["overdue"].as_array().unwrap();
    assert_eq!(overdue.len(), 2);
    assert!(
        overdue
            .iter()
            .all(|o| o["id_number"].as_str().unwrap().contains("**********"))
    );
    assert!(
        !r.json.to_string().contains("198001011234"),
        "ID numbers are masked"
    );

    let phone = w.enroll("wA").await;
    let t = Utc.with_ymd_and_hms(2026, 11, 20, 1, 0, 0).unwrap();
    let h1 = visit(
        &w,
        &phone,
        "c1",
        1,
        Sha256Hash::ZERO,
        t,
        40,
        Some((32.0, false)),
        None,
    )
    .await;
    let r = get(&w, &sup, &format!("/api/v1/coverage?{YEAR}&category=dibao")).await;
    let tot = &r.json["totals"];
    assert_eq!(
        (
            tot["due"].as_u64(),
            tot["late"].as_u64(),
            tot["missed"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(r.json["by_worker"][0]["key"], "wA");
    assert!(r.json["overdue"].as_array().unwrap().is_empty());
    // A correction of c1 is the same visit again: it does not count or move the schedule.
    let before = r.json["totals"].clone();
    let mut b = body(&phone, "c2", "hA", 2, h1, vec![]);
    b.amends = Some("c1".into());
    b.started_at = t + Duration::days(3);
    b.ended_at = b.started_at + Duration::minutes(30);
    let (env, _) = seal(&phone, &b);
    let r = w
        .call("PUT", "/api/v1/visits/c2", Some(&phone.token), env)
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let again = get(&w, &sup, &format!("/api/v1/coverage?{YEAR}&category=dibao")).await;
    assert_eq!(again.json["totals"], before);
    let ev = get(
        &w,
        &sup,
        "/api/v1/coverage/evidence?from=2026-11-01&to=2026-11-30",
    )
    .await;
    assert_eq!(
        ev.json["summary"]["visits"], 1,
        "the correction is not a second visit"
    );
    let r = get(&w, &sup, &format!("/api/v1/coverage?{YEAR}&worker=wA")).await;
    assert_eq!(r.json["by_village"][0]["key"], "vA");
    for bad in [
        "from=2026-13-01",
        "category=nope",
        "to=2025-01-01",
        "unit=a%27b",
    ] {
        let r = get(&w, &sup, &format!("/api/v1/coverage?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    for who in ["wA", "revA", "admin"] {
        let t = w.login(who).await;
        let r = get(&w, &t, "/api/v1/coverage").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
}

#[test]
fn compute_adds_the_ledger_counts_up_and_lists_the_most_overdue_first() {
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let count = |village: &str, worker: Option<&str>, category: &str, n: [u32; 5]| DueCount {
        village_id: village.into(),
        worker_id: worker.map(Into::into),
        category: category.into(),
        month: None,
        due: n[0],
        on_time: n[1],
        late: n[2],
        missed: n[3],
        pending: n[4],
        registered: 0,
    };
    let overdue = |household: &str, due_on| DueEntry {
        household_id: household.into(),
        head_name: "户主".into(),
        // As the store hands it out.
        id_number: "3201**********1234".into(),
        village_id: "v".into(),
        worker_id: Some("w".into()),
        category: "tekun".into(),
        due_on,
        visited_on: None,
    };
    let data = Data {
        unit_id: "t".into(),
        unit_path: "/p/t/".into(),
        today: d(11, 20),
        counts: vec![
            count("v", Some("w"), "tekun", [4, 2, 1, 0, 1]),
            count("v", None, "dibao", [1, 0, 0, 1, 0]),
            count("v2", Some("w"), "tekun", [1, 1, 0, 0, 0]),
        ],
        overdue: vec![overdue("h1", d(11, 1)), overdue("h2", d(10, 10))],
        children: Default::default(),
    };
    let f = Filter {
        unit_id: None,
        from: d(9, 1),
        to: d(12, 31),
        category: None,
        worker_id: None,
    };
    let c = coverage::compute(data.clone(), &f);
    let t = c.totals;
    assert_eq!(
        (t.due, t.on_time, t.late, t.missed, t.pending),
        (6, 3, 1, 1, 1)
    );
    assert_eq!(t.on_time_pct, 60.0);
    assert_eq!(t.visited_pct, 80.0);
    let keys = |rows: &[crate::ops::coverage::TallyRow]| {
        rows.iter().map(|r| r.key.clone()).collect::<Vec<_>>()
    };
    assert_eq!(keys(&c.by_village), ["v", "v2"]);
    assert_eq!(keys(&c.by_worker), ["-", "w"]);
    assert_eq!(keys(&c.by_category), ["dibao", "tekun"]);
    assert_eq!(
        c.overdue
            .iter()
            .map(|o| (o.household_id.as_str(), o.days_overdue))
            .collect::<Vec<_>>(),
        [("h2", 41), ("h1", 19)]
    );
    assert_eq!(c.overdue[0].id_number, "3201**********1234");
    let only_dibao = Filter {
        category: Some(Category::Dibao),
        ..f
    };
    let c = coverage::compute(data, &only_dibao);
    assert_eq!((c.totals.due, c.totals.missed), (1, 1));
    assert!(c.overdue.is_empty());
}

#[tokio::test]
async fn evidence_lists_suspicious_visits() {
    let w = world().await;
    let phone = w.enroll("wA").await;
    let t = |h, m| Utc.with_ymd_and_hms(2026, 11, 10, h, m, 0).unwrap();
    let mut prev = Sha256Hash::ZERO;
    // Far, mock, 1 minute, photo taken the day before.
    prev = visit(
        &w,
        &phone,
        "e1",
        1,
        prev,
        t(1, 0),
        1,
        Some((33.0, true)),
        Some(t(1, 0) - Duration::days(1)),
    )
    .await;
    // Two visits at the same time.
    prev = visit(
        &w,
        &phone,
        "e2",
        2,
        prev,
        t(3, 0),
        40,
        Some((32.0, false)),
        None,
    )
    .await;
    prev = visit(
        &w,
        &phone,
        "e3",
        3,
        prev,
        t(3, 20),
        40,
        Some((32.0, false)),
        None,
    )
    .await;
    // A good one: at home, 40 minutes, photo inside the window.
    visit(
        &w,
        &phone,
        "e4",
        4,
        prev,
        t(6, 0),
        40,
        Some((32.0001, false)),
        Some(t(6, 10)),
    )
    .await;
    let sup = w.login("supA").await;
    let r = get(
        &w,
        &sup,
        "/api/v1/coverage/evidence?from=2026-11-01&to=2026-11-30",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["summary"]["visits"], 4);
    assert_eq!(r.json["summary"]["within_distance"], 3);
    let list = r.json["suspicious"].as_array().unwrap();
    let ids: Vec<_> = list
        .iter()
        .map(|s| s["visit_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["e1", "e2", "e3"]);
    let reasons: Vec<_> = list[0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    for want in ["far", "mock_location", "short", "photo_outside_window"] {
        assert!(reasons.contains(&want), "{want} in {reasons:?}");
    }
    assert_eq!(list[1]["reasons"][0], "overlapping");
}

#[tokio::test]
async fn briefing_exports_are_chinese_masked_audited_and_scoped() {
    let w = world().await;
    let sup = w.login("supA").await;
    let csv = w
        .call(
            "GET",
            "/api/v1/reports/briefing?month=2026-01&format=csv",
            Some(&sup),
            Body::empty(),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let resp = w
        .app
        .clone()
        .oneshot(
            axum::http::Request::get("/api/v1/reports/briefing?month=2026-01&format=csv")
                .header("authorization", format!("Bearer {sup}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    for want in [
        "月度工作简报",
        "按村覆盖",
        "逾期名单",
        "身份证号",
        "汤山村",
        "3201**********1234",
        "新增登记",
        "审核超时未办结",
        "低保",
    ] {
        assert!(text.contains(want), "{want}");
    }
    assert!(
        !text.contains("320102198001011234"),
        "full ID numbers never leave"
    );
    assert!(
        !text.contains("李四") && !text.contains("淳化"),
        "nothing of township B"
    );
    let resp = w
        .app
        .clone()
        .oneshot(
            axum::http::Request::get("/api/v1/reports/briefing?month=2026-01&format=xlsx")
                .header("authorization", format!("Bearer {sup}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
    let mut xlsx = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut part = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut xlsx.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    // The overdue sheet is written apart from the others; it still comes seventh, in full.
    let workbook = part("xl/workbook.xml");
    let order: Vec<usize> = [
        "按村覆盖",
        "按社工覆盖",
        "按类别走访",
        "新增登记",
        "风险等级",
        "报警与升级",
        "逾期名单",
        "可疑走访",
    ]
    .iter()
    .map(|s| workbook.find(&format!("name=\"{s}\"")).expect(s))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{workbook}");
    let overdue = part("xl/worksheets/sheet7.xml");
    for want in ["月度工作简报", "户编号", "汤山村", "3201**********1234"] {
        assert!(overdue.contains(want), "{want}");
    }
    assert!(!overdue.contains("320102198001011234"));
    let exports = w
        .state
        .store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "export.briefing")
        .count();
    assert_eq!(exports, 3);
    let r = get(&w, &sup, "/api/v1/reports/briefing?month=2026-1x").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        crate::ops::briefing::safe_text("=HYPERLINK(\"x\")"),
        "'=HYPERLINK(\"x\")"
    );
}

#[tokio::test]
async fn township_a_never_sees_township_b() {
    let w = world().await;
    let sup_a = w.login("supA").await;
    let sup_b = w.login("supB").await;
    for uri in [
        "/api/v1/coverage?unit=tB",
        "/api/v1/coverage?unit=vB",
        "/api/v1/coverage/evidence?unit=tB",
        "/api/v1/reports/briefing?unit=tB&month=2026-01&format=csv",
        "/api/v1/reports/briefing?unit=vB&month=2026-01",
        "/api/v1/coverage?unit=k",
    ] {
        let r = get(&w, &sup_a, uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
    }
    let r = get(&w, &sup_a, &format!("/api/v1/coverage?{YEAR}&worker=wB")).await;
    assert_eq!(
        r.json["totals"]["due"], 0,
        "another township's worker has nothing here"
    );
    let r = get(&w, &sup_b, &format!("/api/v1/coverage?{YEAR}")).await;
    let text = r.json.to_string();
    assert!(text.contains("hB") && !text.contains("hA"), "{text}");
}

#[tokio::test]
async fn a_county_schedule_drives_coverage_and_reaches_phones() {
    let w = world().await;
    let sup = w.login("supA").await;
    let phone = w.enroll("wA").await;
    let on_registration = Utc.with_ymd_and_hms(2026, 1, 5, 1, 0, 0).unwrap();
    visit(
        &w,
        &phone,
        "s1",
        1,
        Sha256Hash::ZERO,
        on_registration,
        40,
        Some((32.0, false)),
        None,
    )
    .await;
    let dibao = |r: &Resp| {
        let t = &r.json["totals"];
        (
            t["due"].as_u64(),
            t["on_time"].as_u64(),
            t["missed"].as_u64(),
        )
    };
    let uri = format!("/api/v1/coverage?{YEAR}&category=dibao");
    // Defaults: the next re-check is a year after the visit, outside 2026.
    let r = get(&w, &sup, &uri).await;
    assert_eq!(dibao(&r), (Some(1), Some(1), Some(0)), "{:?}", r.json);

    let monthly = crate::ops::schedules::parse(
        r#"{"rules":[{"category":"dibao","default":{"days":30},"by_level":{}}]}"#,
    )
    .unwrap();
    let cli = Actor::cli();
    let refused = crate::ops::schedules::set(&w.state, &cli, "tA", Some(monthly.clone())).await;
    assert_eq!(refused.unwrap_err().code(), "not_a_county");
    let supervisor = Actor::for_staff(&w.state, "supA").await.unwrap();
    let refused = crate::ops::schedules::set(&w.state, &supervisor, "k", Some(monthly.clone()));
    assert_eq!(refused.await.unwrap_err().code(), "forbidden_role");
    crate::ops::schedules::set(&w.state, &cli, "k", Some(monthly.clone()))
        .await
        .unwrap();

    // County k re-checks every 30 days: due again on 02-04, passed without a visit.
    let r = get(&w, &sup, &uri).await;
    assert_eq!(dibao(&r), (Some(2), Some(1), Some(1)), "{:?}", r.json);
    let pulled = w
        .call(
            "GET",
            "/api/v1/assignments",
            Some(&phone.token),
            Body::empty(),
        )
        .await;
    let a: fieldvisit_core::protocol::Assignments = serde_json::from_value(pulled.json).unwrap();
    assert_eq!(a.schedule, crate::ops::schedules::merged(&monthly));
    assert_eq!(
        a.schedule.rule(Category::Tekun),
        ScheduleConfig::default().rule(Category::Tekun),
        "categories the county did not list keep the defaults"
    );

    crate::ops::schedules::set(&w.state, &cli, "k", None)
        .await
        .unwrap();
    let r = get(&w, &sup, &uri).await;
    assert_eq!(dibao(&r), (Some(1), Some(1), Some(0)));
}
