//! The console over the router: pages need a session, numbers equal the API's, one township sees
//! nothing of another, names are escaped, forms without their CSRF token are refused, and an
//! admin's enrollment code comes with its QR code.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::*;
use crate::auth::SESSION_COOKIE;

struct Page {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    html: String,
}

impl World {
    /// Sends a request through the router and reads the page back.
    async fn fetch(&self, req: Request<Body>) -> Page {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            html: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A signed-in browser: the session token and its CSRF token.
    async fn browser(&self, staff_id: &str) -> (String, String) {
        let r = self
            .json(
                "POST",
                "/api/v1/auth/login",
                None,
                json!({ "login": format!("{staff_id}@fv"), "password": PASSWORD }),
            )
            .await;
        (
            r.json["token"].as_str().unwrap().to_owned(),
            r.json["csrf_token"].as_str().unwrap().to_owned(),
        )
    }

    async fn page(
        &self,
        method: &str,
        uri: &str,
        session: Option<&str>,
        form: Option<String>,
    ) -> Page {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(s) = session {
            b = b.header("cookie", format!("{SESSION_COOKIE}={s}"));
        }
        let body = match form {
            Some(f) => {
                b = b.header("content-type", "application/x-www-form-urlencoded");
                Body::from(f)
            }
            None => Body::empty(),
        };
        self.fetch(b.body(body).unwrap()).await
    }
}

/// The number shown in the tile of `metric`.
fn tile(html: &str, metric: &str) -> String {
    let at = html
        .find(&format!("data-metric=\"{metric}\""))
        .unwrap_or_else(|| panic!("no tile {metric}"));
    let rest = &html[at..];
    let v = rest.find("class=\"value\"").unwrap();
    let rest = &rest[v..];
    let open = rest.find('>').unwrap();
    let close = rest.find('<').unwrap();
    rest[open + 1..close].trim().to_owned()
}

#[tokio::test]
async fn pages_need_a_session_and_carry_a_strict_policy() {
    let w = world().await;
    let p = w.page("GET", "/coverage", None, None).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.headers["location"], "/login?next=%2Fcoverage");
    let p = w.page("GET", "/login", None, None).await;
    assert_eq!(p.status, StatusCode::OK);
    let csp = p.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!p.html.contains("<script>"), "no inline script");
    assert!(
        !p.headers.contains_key("strict-transport-security"),
        "no HSTS over plain HTTP"
    );
    let tls = world_with(|c| c.secure_cookies = true).await;
    let p = tls.page("GET", "/login", None, None).await;
    assert_eq!(
        p.headers["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let p = w.page("GET", "/no-such-page", None, None).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.html.contains("<html"));
}

#[tokio::test]
async fn coverage_tiles_equal_the_api_for_the_same_filter() {
    let w = world().await;
    let (s, _) = w.browser("supA").await;
    let api = w.login("supA").await;
    for (page_q, api_q) in [
        (
            "period=custom&from=2026-01-01&to=2026-12-31",
            "from=2026-01-01&to=2026-12-31",
        ),
        (
            "period=custom&from=2026-01-01&to=2026-06-30&unit=vA&category=dibao",
            "from=2026-01-01&to=2026-06-30&unit=vA&category=dibao",
        ),
    ] {
        let p = w
            .page("GET", &format!("/coverage?{page_q}"), Some(&s), None)
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        let j = w
            .call(
                "GET",
                &format!("/api/v1/coverage?{api_q}"),
                Some(&api),
                Body::empty(),
            )
            .await
            .json;
        for m in ["due", "on_time", "late", "missed"] {
            assert_eq!(
                tile(&p.html, m),
                j["totals"][m].to_string(),
                "{m} for {page_q}"
            );
        }
        assert_eq!(
            tile(&p.html, "overdue"),
            j["overdue"].as_array().unwrap().len().to_string()
        );
        assert_eq!(
            tile(&p.html, "on_time_pct"),
            format!("{:.1}%", j["totals"]["on_time_pct"].as_f64().unwrap())
        );
        let bars = p.html.matches("bars__bar\"").count();
        assert_eq!(
            bars,
            j["children"].as_array().unwrap().len(),
            "a bar per unit below"
        );
    }
}

#[tokio::test]
async fn township_a_reaches_nothing_of_township_b() {
    let w = world().await;
    let (s, _) = w.browser("supA").await;
    for uri in [
        "/coverage?unit=tB",
        "/coverage/households?unit=vB&status=due",
        "/coverage/overdue?unit=tB",
        "/evidence?unit=vB",
        "/households/hB",
    ] {
        let p = w.page("GET", uri, Some(&s), None).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            !p.html.contains("李四") && !p.html.contains("淳化村"),
            "{uri} leaks B"
        );
    }
    let p = w
        .page(
            "GET",
            "/coverage?period=custom&from=2026-01-01&to=2026-12-31",
            Some(&s),
            None,
        )
        .await;
    for b in ["tB", "vB", "hB", "淳化", "李四"] {
        assert!(!p.html.contains(b), "the coverage page of A mentions {b}");
    }
}

#[tokio::test]
async fn a_name_that_looks_like_script_is_shown_as_text() {
    let w = world().await;
    let csv = format!(
        "{CSV_HEADER}hX,vA,<script>alert(1)</script>,320102198001011234,\"<img src=x onerror=alert(1)>\",dibao,2026-01-05,,,wA\n"
    );
    let rows = csv_import::parse(csv.as_bytes(), &mut || {}).unwrap();
    ops::households::import(&w.state, &Actor::cli(), rows)
        .await
        .unwrap();
    let (s, _) = w.browser("supA").await;
    for uri in [
        "/households/hX",
        "/coverage/households?period=custom&from=2026-01-01&to=2026-12-31&status=due",
    ] {
        let p = w.page("GET", uri, Some(&s), None).await;
        assert_eq!(p.status, StatusCode::OK, "{uri}");
        assert!(
            p.html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || p.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{uri}: {}",
            p.html
        );
        assert!(
            !p.html.contains("<script>alert(1)") && !p.html.contains("<img src=x"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused() {
    let w = world().await;
    let (s, csrf) = w.browser("supA").await;
    for form in [String::new(), "csrf=wrong".to_owned()] {
        let p = w.page("POST", "/logout", Some(&s), Some(form)).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        w.page("GET", "/coverage", Some(&s), None).await.status,
        StatusCode::OK,
        "the session lives on"
    );
    let p = w
        .page("POST", "/logout", Some(&s), Some(format!("csrf={csrf}")))
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(
        w.page("GET", "/coverage", Some(&s), None).await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
}

#[tokio::test]
async fn an_admin_makes_an_enrollment_code_shown_with_its_qr_code() {
    let w = world().await;
    let (s, csrf) = w.browser("admin").await;
    let p = w
        .page(
            "POST",
            "/admin/devices/codes",
            Some(&s),
            Some(format!("csrf={csrf}&worker=wA")),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("data-enrollment-code") && p.html.contains("<svg"));
    assert_eq!(p.headers["cache-control"], "no-store");
    let p = w
        .page(
            "POST",
            "/admin/devices/codes",
            Some(&s),
            Some(format!("csrf={csrf}&worker=nobody")),
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let (sa, _) = w.browser("supA").await;
    assert_eq!(
        w.page("GET", "/admin/staff", Some(&sa), None).await.status,
        StatusCode::FORBIDDEN
    );
}

fn multipart(csrf: &str, file: &str) -> (String, String) {
    let boundary = "XfvBoundary42";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"h.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n\
         --{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl World {
    async fn upload(&self, uri: &str, session: &str, content_type: &str, body: String) -> Page {
        let req = Request::builder()
            .method("POST")
            .uri(uri)
            .header("cookie", format!("{SESSION_COOKIE}={session}"))
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap();
        self.fetch(req).await
    }
}

#[tokio::test]
async fn an_import_lists_each_rows_errors_and_stores_nothing_until_all_pass() {
    let w = world().await;
    let (s, csrf) = w.browser("admin").await;
    let before = w.counts().await.households;
    let bad = format!(
        "{CSV_HEADER}hN1,vA,新户一,320102198001011234,地址,dibao,2026-01-05,,,wA\nhN2,vZ,新户二,1234,地址,nothing,2026-13-05,,,wA\n"
    );
    let (ct, body) = multipart(&csrf, &bad);
    let p = w.upload("/admin/import", &s, &ct, body).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.html);
    assert!(p.html.contains("data-table=\"row-errors\""));
    assert!(
        p.html.matches("<tr><td class=\"num\">3</td>").count() >= 2,
        "line 3's errors, each listed: {}",
        p.html
    );
    assert_eq!(w.counts().await.households, before, "nothing stored");
    let good = format!("{CSV_HEADER}hN1,vA,新户一,320102198001011234,地址,dibao,2026-01-05,,,wA\n");
    let (ct, body) = multipart(&csrf, &format!("\u{feff}{good}"));
    let p = w.upload("/admin/import", &s, &ct, body).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("data-imported=\"1\""));
    assert_eq!(w.counts().await.households, before + 1);
    let (ct, body) = multipart("wrong", &good);
    assert_eq!(
        w.upload("/admin/import", &s, &ct, body).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn admins_make_county_keys_set_schedules_and_verify_the_audit_chain() {
    let w = world().await;
    let (s, csrf) = w.browser("admin").await;
    let p = w
        .page(
            "POST",
            "/admin/keys",
            Some(&s),
            Some(format!(
                "csrf={csrf}&audience=child-welfare&county=k&passphrase=a+long+passphrase+here"
            )),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let p = w.page("GET", "/admin/keys", Some(&s), None).await;
    assert!(p.html.contains("江宁区") && p.html.contains("data-table=\"keys\""));
    let (sa, csrf_a) = w.browser("adminA").await;
    let p = w
        .page(
            "POST",
            "/admin/keys",
            Some(&sa),
            Some(format!(
                "csrf={csrf_a}&audience=child-welfare&county=tA&passphrase=a+long+passphrase+here"
            )),
        )
        .await;
    assert_eq!(
        p.status,
        StatusCode::BAD_REQUEST,
        "a township admin makes no key"
    );

    let rules = r#"{"rules":[{"category":"dibao","default":{"months":2},"by_level":{}}]}"#;
    let form = serde_urlencoded::to_string([("csrf", csrf.as_str()), ("schedule", rules)]).unwrap();
    let p = w
        .page("POST", "/admin/schedules/k", Some(&s), Some(form))
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let p = w.page("GET", "/admin/schedules", Some(&s), None).await;
    assert!(p.html.contains("2 个月"), "{}", p.html);
    let form =
        serde_urlencoded::to_string([("csrf", csrf.as_str()), ("schedule", "{\"rules\": 3}")])
            .unwrap();
    let p = w
        .page("POST", "/admin/schedules/k", Some(&s), Some(form))
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    let p = w
        .page(
            "POST",
            "/admin/schedules/k",
            Some(&s),
            Some(format!("csrf={csrf}&clear=1")),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);

    let p = w
        .page(
            "POST",
            "/admin/audit/verify",
            Some(&s),
            Some(format!("csrf={csrf}")),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("data-verdict=\"intact\""), "{}", p.html);
    let p = w.page("GET", "/admin/audit", Some(&s), None).await;
    assert!(p.html.contains("schedule.clear") && p.html.contains("audience_key.create"));
    let (sup, _) = w.browser("supA").await;
    assert_eq!(
        w.page("GET", "/admin/audit", Some(&sup), None).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn admins_add_test_and_remove_alert_channels_in_their_branch_only() {
    let w = world().await;
    let (s, csrf) = w.browser("adminA").await;
    let form = |unit: &str, url: &str| {
        serde_urlencoded::to_string([
            ("csrf", csrf.as_str()),
            ("label", "汤山群"),
            ("unit", unit),
            ("kind", "wecom"),
            ("url", url),
            ("secret", ""),
            ("ev_police", "1"),
            ("digest_at", "07:30"),
        ])
        .unwrap()
    };
    let url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=ROBOTKEY";
    let p = w
        .page(
            "POST",
            "/admin/alerts/channels",
            Some(&s),
            Some(form("tB", url)),
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND, "another township's unit");
    let p = w
        .page(
            "POST",
            "/admin/alerts/channels",
            Some(&s),
            Some(form("tA", "ftp://x")),
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.html.contains("http(s)"), "{}", p.html);
    let p = w
        .page(
            "POST",
            "/admin/alerts/channels",
            Some(&s),
            Some(form("tA", url)),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let p = w
        .page("GET", "/admin/alerts?done=added", Some(&s), None)
        .await;
    assert!(
        p.html.contains("渠道已添加。") && p.html.contains("汤山群"),
        "{}",
        p.html
    );
    assert!(p.html.contains("07:30") && p.html.contains("个案已报警"));
    assert!(!p.html.contains("ROBOTKEY"), "the robot key is shown back");
    let channels = w
        .state
        .store
        .alert_channels(&crate::store::Scope::root(), false)
        .await
        .unwrap();
    assert_eq!(channels[0].events, [crate::store::AlertKind::Police]);
    let id = channels[0].id.clone();
    let p = w
        .page(
            "POST",
            "/admin/alerts/test",
            Some(&s),
            Some(format!("csrf={csrf}&unit=tA")),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert!(
        w.state
            .store
            .audit_entries(0, 1000)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "alert.test" && e.target == "tA")
    );
    let p = w
        .page(
            "POST",
            &format!("/admin/alerts/channels/{id}/remove"),
            Some(&s),
            Some("csrf=wrong".into()),
        )
        .await;
    assert_eq!(
        p.status,
        StatusCode::FORBIDDEN,
        "no removal without the form's token"
    );
    let p = w
        .page(
            "POST",
            &format!("/admin/alerts/channels/{id}/remove"),
            Some(&s),
            Some(format!("csrf={csrf}")),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let (sup, _) = w.browser("supA").await;
    let p = w.page("GET", "/admin/alerts", Some(&sup), None).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_account_page_lists_ones_sessions_and_ends_another() {
    let w = world().await;
    let (left, _) = w.browser("supA").await;
    let (s, csrf) = w.browser("supA").await;
    let p = w.page("GET", "/account/password", Some(&s), None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.html.matches("data-session-id=").count(), 2, "{}", p.html);
    assert!(p.html.contains("当前会话"));
    let id: String = crate::auth::token::token_hash(&left)
        .chars()
        .take(16)
        .collect();
    assert!(p.html.contains(&format!("/account/sessions/{id}/end")));
    let p = w
        .page(
            "POST",
            &format!("/account/sessions/{id}/end"),
            Some(&s),
            Some(format!("csrf={csrf}")),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let p = w
        .page("GET", "/account/password?done=ended", Some(&s), None)
        .await;
    assert!(p.html.contains("会话已结束。"));
    assert_eq!(p.html.matches("data-session-id=").count(), 1);
    let p = w.page("GET", "/coverage", Some(&left), None).await;
    assert_eq!(
        p.status,
        StatusCode::SEE_OTHER,
        "the ended session signs in again"
    );
}

#[tokio::test]
async fn admins_set_county_standards_and_thresholds_and_publish_templates_on_the_page() {
    let w = world().await;
    let (s, csrf) = w.browser("admin").await;
    let post = |fields: Vec<(&'static str, String)>| {
        let mut all = vec![("csrf", csrf.clone())];
        all.extend(fields);
        serde_urlencoded::to_string(all).unwrap()
    };
    let form = post(vec![
        ("action", "standard".into()),
        ("year", "2026".into()),
        ("yuan", "1020".into()),
    ]);
    let p = w
        .page("POST", "/admin/parameters/k", Some(&s), Some(form))
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let form = post(vec![
        ("action", "thresholds".into()),
        ("max_distance_m", "350".into()),
        ("min_minutes", "15".into()),
    ]);
    let p = w
        .page("POST", "/admin/parameters/k", Some(&s), Some(form))
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let p = w.page("GET", "/admin/parameters", Some(&s), None).await;
    assert!(p.html.contains("data-yuan=\"2026\">1020<"), "{}", p.html);
    assert!(p.html.contains("value=\"350\"") && p.html.contains("value=\"15\""));
    // The page shows what the API gives.
    let token = w.login("admin").await;
    let api = w
        .call(
            "GET",
            "/api/v1/counties/k/parameters",
            Some(&token),
            Body::empty(),
        )
        .await;
    assert_eq!(
        api.json["low_income_standards"][0]["yuan_per_person_month"],
        1020.0
    );
    assert_eq!(api.json["evidence_thresholds"]["min_duration_s"], 900);

    // A bad number is refused with the field named; nothing stored changes.
    let form = post(vec![
        ("action", "standard".into()),
        ("year", "二〇二七".into()),
        ("yuan", "1100".into()),
    ]);
    let p = w
        .page("POST", "/admin/parameters/k", Some(&s), Some(form))
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.html.contains("year"), "{}", p.html);

    // Publishing needs a key for the template's audiences; a broken document lists its problem.
    let form = post(vec![
        ("action", "publish".into()),
        ("template", "{\"format\": 1, \"id\": \"x\"}".into()),
    ]);
    let p = w
        .page("POST", "/admin/parameters/k", Some(&s), Some(form))
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    ops::audience::create_key_for(
        &w.state,
        &Actor::cli(),
        Some("k"),
        "civil-affairs",
        "a long passphrase here",
    )
    .await
    .unwrap();
    let mut t: serde_json::Value =
        serde_json::from_str(fieldvisit_core::template::builtin::ELDERLY_JSON).unwrap();
    let next = t["version"].as_u64().unwrap() + 1;
    t["version"] = serde_json::json!(next);
    let form = post(vec![
        ("action", "publish".into()),
        ("template", t.to_string()),
    ]);
    let p = w
        .page("POST", "/admin/parameters/k", Some(&s), Some(form))
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let p = w.page("GET", "/admin/parameters", Some(&s), None).await;
    assert!(
        p.html.contains(&format!(
            "data-template=\"elderly-welfare\" data-version=\"{next}\""
        )),
        "{}",
        p.html
    );
    let (sa, _) = w.browser("adminA").await;
    let p = w.page("GET", "/admin/parameters", Some(&sa), None).await;
    assert!(!p.html.contains("data-county=\"k\""), "{}", p.html);
}

#[tokio::test]
async fn the_keys_page_shows_each_keys_history_and_rotates_it_for_the_countys_admins_only() {
    let w = world().await;
    let pass = super::reviews::PASS;
    super::reviews::key_for_tests(&w).await;
    let (s, csrf) = w.browser("admin").await;
    let p = w.page("GET", "/admin/keys", Some(&s), None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("data-table=\"key-history\""), "{}", p.html);
    assert!(p.html.contains("data-form=\"rotate-key\""));
    assert!(
        p.html
            .contains("data-confirm=\"轮换后审核人员须用新口令解锁")
    );
    let rotate = |csrf: &str, current: &str, new: &str, again: &str| {
        serde_urlencoded::to_string([
            ("csrf", csrf),
            ("audience", "child-welfare"),
            ("county", "k"),
            ("passphrase", current),
            ("new_passphrase", new),
            ("new_passphrase_again", again),
        ])
        .unwrap()
    };
    let new = "a new county passphrase";
    let p = w
        .page(
            "POST",
            "/admin/keys/rotate",
            Some(&s),
            Some(rotate(&csrf, pass, new, "something else entirely")),
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.html.contains("两次输入的新口令不一致"), "{}", p.html);
    let p = w
        .page(
            "POST",
            "/admin/keys/rotate",
            Some(&s),
            Some(rotate(&csrf, "not the passphrase", new, new)),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.html.contains("口令错误"), "{}", p.html);
    let p = w
        .page(
            "POST",
            "/admin/keys/rotate",
            Some(&s),
            Some(rotate("", pass, new, new)),
        )
        .await;
    assert_eq!(
        p.status,
        StatusCode::FORBIDDEN,
        "no CSRF token, no rotation"
    );
    assert_eq!(
        w.state
            .store
            .audience_key_generations("child-welfare", "k")
            .await
            .unwrap()
            .len(),
        1
    );

    // A township admin sees the county's key but no rotation form, and is refused if they post.
    let (sa, csrf_a) = w.browser("adminA").await;
    let p = w.page("GET", "/admin/keys", Some(&sa), None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.html.contains("data-key=\"child-welfare/k\""),
        "{}",
        p.html
    );
    assert!(!p.html.contains("data-form=\"rotate-key\""));
    let p = w
        .page(
            "POST",
            "/admin/keys/rotate",
            Some(&sa),
            Some(rotate(&csrf_a, pass, new, new)),
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND, "{}", p.html);
    assert_eq!(
        w.state
            .store
            .audience_key_generations("child-welfare", "k")
            .await
            .unwrap()
            .len(),
        1
    );

    let p = w
        .page(
            "POST",
            "/admin/keys/rotate",
            Some(&s),
            Some(rotate(&csrf, pass, new, new)),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let p = w
        .page("GET", "/admin/keys?done=rotated", Some(&s), None)
        .await;
    assert!(p.html.contains("密钥已轮换"), "{}", p.html);
    // Both generations, who made them (the CLI, then the admin by name) and when one retired.
    let history = p
        .html
        .split("data-table=\"key-history\"")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    assert!(
        history.contains("<th scope=\"row\">2</th><td>轮换</td>"),
        "{history}"
    );
    assert!(
        history.contains("<th scope=\"row\">1</th><td>创建</td>"),
        "{history}"
    );
    assert!(history.contains("用户admin") && history.contains("当前使用"));
    let p = w.page("GET", "/admin/audit", Some(&s), None).await;
    assert!(p.html.contains("audience_key.rotate"));
}
