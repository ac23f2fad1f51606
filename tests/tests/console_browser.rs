//! The console in a real browser: a seeded demo county served on loopback, and scenarios in
//! `tests/browser/*.mjs` driving the system Chromium through playwright-core — the supervisor's
//! coverage and its drill-down equal to the JSON API, briefing downloads, the reviewer returning an
//! assessment that then reaches the worker's phone through the real sync client, the admin's
//! enrollment code redeemed by a new phone, an alert channel added and tested, township isolation, a script in a household name shown
//! as text, CSRF refusals, no sideways scrolling at 360 px and screenshots of every page.
//!
//! Needs `node`, playwright-core (`FIELDVISIT_NODE_MODULES`, default
//! `~/.cache/fieldvisit/node/node_modules`) and Chromium (`FIELDVISIT_CHROMIUM`, default
//! `chromium` on the PATH); `scripts/install-browser.sh` installs them. Without them the test is
//! skipped with a note, unless `FIELDVISIT_REQUIRE_BROWSER=1` (as `scripts/test-all.sh` sets),
//! which makes it fail. `FIELDVISIT_BROWSER_ONLY=supervisor,xss` runs only some scenarios.
//! Screenshots go to `target/console-screenshots/`.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use fieldvisit_cli::demo::{self, Demo, DemoArgs};
use fieldvisit_core::caseload::{Category, CategoryRegistration, Household, Member};
use fieldvisit_core::geo::GeoPoint;
use fieldvisit_core::sync::{SyncOptions, enroll};
use fieldvisit_server::alerts::receiver::Receiver;
use fieldvisit_server::ops::csv_import::ParsedRow;
use fieldvisit_server::ops::{Actor, households};
use fieldvisit_sim::county::{CountyHousehold, county_households, people, staff, units as county};
use fieldvisit_sim::phone::Phone;
use fieldvisit_tests::harness::runtime;
use serde_json::{Value, json};

/// The township whose station head the isolation scenario signs in as (青山镇).
const TOWNSHIP_A: usize = 0;
/// A household whose head's name is a script.
const XSS_HOUSEHOLD: &str = "xss-probe-0001";
const XSS_NAME: &str = "<script>alert(1)</script>";
/// Longest a scenario may run.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(9 * 60);

/// What runs the scenarios.
#[derive(Debug)]
struct Browser {
    node: PathBuf,
    modules: PathBuf,
    chromium: PathBuf,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Node, playwright-core and Chromium, or what is missing.
fn find_browser() -> Result<Browser, String> {
    let node = env_path("FIELDVISIT_NODE")
        .or_else(|| on_path("node"))
        .ok_or("node is not on the PATH")?;
    let modules = env_path("FIELDVISIT_NODE_MODULES").unwrap_or_else(|| {
        env_path("XDG_CACHE_HOME")
            .or_else(|| env_path("HOME").map(|h| h.join(".cache")))
            .unwrap_or_else(|| PathBuf::from(".cache"))
            .join("fieldvisit/node/node_modules")
    });
    if !modules.join("playwright-core/package.json").is_file() {
        return Err(format!(
            "playwright-core is not in {} (FIELDVISIT_NODE_MODULES)",
            modules.display()
        ));
    }
    let chromium = env_path("FIELDVISIT_CHROMIUM")
        .or_else(|| {
            ["chromium", "chromium-browser", "google-chrome"]
                .iter()
                .find_map(|n| on_path(n))
        })
        .ok_or("no chromium on the PATH (FIELDVISIT_CHROMIUM)")?;
    if !chromium.is_file() {
        return Err(format!("{} is not a file", chromium.display()));
    }
    Ok(Browser {
        node,
        modules,
        chromium,
    })
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// Where the screenshots go.
fn shots_dir() -> PathBuf {
    workspace().join("target/console-screenshots")
}

/// What a scenario script reported.
#[derive(Debug)]
struct Outcome {
    data: Value,
    notes: Vec<String>,
    seconds: f64,
}

/// Runs `tests/browser/<script>` with the common environment and `input`; its result line, or
/// why it failed (its failures, or its exit and stderr).
fn run_node(
    browser: &Browser,
    demo: &Demo,
    script: &str,
    login: &str,
    input: &Value,
) -> Result<Outcome, String> {
    let began = Instant::now();
    let password = demo.file.passwords.get(login).cloned().unwrap_or_default();
    let shots = shots_dir();
    let mut child = Command::new(&browser.node)
        .arg(workspace().join("tests/browser").join(script))
        .current_dir(workspace().join("tests/browser"))
        .env("FIELDVISIT_NODE_MODULES", &browser.modules)
        .env("FIELDVISIT_CHROMIUM", &browser.chromium)
        .env("BASE_URL", &demo.url)
        .env("LOGIN", login)
        .env("PASSWORD", password)
        .env("SHOTS", &shots)
        .env("INPUT", input.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", browser.node.display()))?;
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if began.elapsed() > SCENARIO_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("{script}: waiting for node: {e}")),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    eprintln!("---- {script} (node stderr)\n{stderr}");
    let Some(status) = status else {
        return Err(format!(
            "{script} ran longer than {SCENARIO_TIMEOUT:?} and was stopped"
        ));
    };
    let result: Option<Value> = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("RESULT "))
        .and_then(|l| serde_json::from_str(l).ok());
    let tail = |s: &str| {
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    };
    let Some(result) = result else {
        return Err(format!(
            "{script} exited with {status} and no result line; stderr:\n{}",
            tail(&stderr)
        ));
    };
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let failures = strings(&result["failures"]);
    if !status.success() || result["ok"] != true || !failures.is_empty() {
        return Err(format!(
            "{script} failed (exit {status}):\n  - {}",
            failures.join("\n  - ")
        ));
    }
    Ok(Outcome {
        data: result["data"].clone(),
        notes: strings(&result["notes"]),
        seconds: began.elapsed().as_secs_f64(),
    })
}

/// The county's households with their workers, as the demo planned them.
fn county_of(demo: &Demo) -> Vec<CountyHousehold> {
    county_households(demo.file.households, demo.file.anchor)
}

/// Imports a household of a village of township A whose head's name is a script.
fn import_script_household(rt: &tokio::runtime::Runtime, demo: &Demo) -> (String, String) {
    let township = &county::TOWNSHIPS[TOWNSHIP_A];
    let village = township.villages[0].0;
    let today = fieldvisit_server::ops::coverage::local_date(Utc::now());
    let since = today - chrono::Duration::days(120);
    let born = today - chrono::Duration::days(365 * 78);
    let household = Household {
        id: XSS_HOUSEHOLD.into(),
        village_id: village.into(),
        head_name: XSS_NAME.into(),
        id_number: people::id_number(born, 9001, true),
        address: format!(
            "{}1组1号 <img src=x onerror=alert(2)>",
            township.villages[0].1
        ),
        categories: vec![CategoryRegistration {
            category: Category::ElderlyAlone,
            since,
        }],
        location: Some(GeoPoint {
            lat: township.centre.lat,
            lon: township.centre.lon,
        }),
        members: vec![Member {
            name: XSS_NAME.into(),
            relation: "本人".into(),
            birth_date: Some(born),
        }],
    };
    let row = ParsedRow {
        line: 2,
        household,
        worker_id: Some(staff::worker_id(TOWNSHIP_A, 0)),
    };
    rt.block_on(households::import(&demo.state, &Actor::cli(), vec![row]))
        .unwrap_or_else(|e| panic!("importing the script-named household: {e:?}"));
    (XSS_HOUSEHOLD.into(), village.into())
}

/// Ids and names of every township but A: units, households, staff.
fn other_townships(county_hh: &[CountyHousehold]) -> (Vec<String>, String, String, String) {
    let mut forbidden = BTreeSet::new();
    for (t, township) in county::TOWNSHIPS.iter().enumerate() {
        if t == TOWNSHIP_A {
            continue;
        }
        forbidden.insert(township.id.to_owned());
        forbidden.insert(township.name.to_owned());
        for (id, name) in township.villages {
            forbidden.insert(id.to_owned());
            forbidden.insert(name.to_owned());
        }
    }
    let b_villages: BTreeSet<&str> = county::TOWNSHIPS
        .iter()
        .enumerate()
        .filter(|(t, _)| *t != TOWNSHIP_A)
        .flat_map(|(_, t)| t.villages.iter().map(|v| v.0))
        .collect();
    let mut b_household = None;
    for h in county_hh {
        if b_villages.contains(h.household.village_id.as_str()) {
            forbidden.insert(h.household.id.clone());
            b_household.get_or_insert_with(|| h.household.id.clone());
        }
    }
    let a_unit = county::TOWNSHIPS[TOWNSHIP_A].id;
    for a in staff::accounts() {
        if a.unit_id != a_unit && a.unit_id != county::COUNTY_ID {
            forbidden.insert(a.id);
        }
    }
    let b = &county::TOWNSHIPS[(TOWNSHIP_A + 1) % county::TOWNSHIPS.len()];
    (
        forbidden.into_iter().collect(),
        b.id.to_owned(),
        b.villages[0].0.to_owned(),
        b_household.unwrap_or_default(),
    )
}

/// Syncs the demo phone of `worker_id` and returns the comments of its returned tasks for
/// `visit_id`.
fn phone_tasks(
    demo: &Demo,
    data: &Path,
    worker_id: &str,
    visit_id: &str,
) -> Result<Vec<String>, String> {
    let phone = Phone::open(&demo::phone_dir(data, worker_id))
        .map_err(|e| format!("opening the phone: {e}"))?;
    let report = phone
        .sync(&demo.url, SyncOptions::default())
        .map_err(|e| format!("syncing {worker_id}'s phone: {e}"))?;
    let tasks = phone
        .engine
        .store()
        .tasks()
        .map_err(|e| format!("reading the phone's tasks: {e}"))?;
    eprintln!(
        "{worker_id}'s phone synced: {} tasks received, {} open",
        report.tasks_received,
        tasks.len()
    );
    Ok(tasks
        .into_iter()
        .filter(|t| t.visit_id == visit_id)
        .map(|t| t.comment)
        .collect())
}

/// Signs in to the JSON API and lists the devices.
/// `GET` of an API path as `login`, signed in through the API.
fn api_get(demo: &Demo, login: &str, path: &str) -> Result<Value, String> {
    let client = reqwest::blocking::Client::new();
    let password = demo.file.passwords.get(login).cloned().unwrap_or_default();
    let token = client
        .post(format!("{}/api/v1/auth/login", demo.url))
        .json(&json!({ "login": login, "password": password }))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json::<Value>())
        .map_err(|e| format!("API sign-in as {login}: {e}"))?["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or("the API sign-in gave no token")?;
    client
        .get(format!("{}{path}", demo.url))
        .bearer_auth(token)
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json::<Value>())
        .map_err(|e| format!("GET {path}: {e}"))
}

fn api_devices(demo: &Demo, login: &str) -> Result<Vec<Value>, String> {
    match api_get(demo, login, "/api/v1/devices")? {
        Value::Array(devices) => Ok(devices),
        other => Err(format!("GET /api/v1/devices gave no list: {other}")),
    }
}

fn wanted(name: &str) -> bool {
    match std::env::var("FIELDVISIT_BROWSER_ONLY") {
        Ok(only) if !only.trim().is_empty() => only.split(',').any(|s| s.trim() == name),
        _ => true,
    }
}

#[test]
fn the_console_works_in_a_real_browser() {
    let required = std::env::var("FIELDVISIT_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let browser = match find_browser() {
        Ok(b) => b,
        Err(why) if required => {
            panic!("FIELDVISIT_REQUIRE_BROWSER=1 but {why}; run scripts/install-browser.sh")
        }
        Err(why) => {
            eprintln!(
                "note: skipping the browser tests of the console: {why} (scripts/install-browser.sh installs what they need)"
            );
            return;
        }
    };
    let began = Instant::now();
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let data = tmp.path().join("demo");
    let rt = runtime();
    let demo = rt
        .block_on(demo::start(
            &data,
            &DemoArgs {
                listen: "127.0.0.1:0".into(),
                households: None,
                exit_after_sync: true,
            },
            &mut std::io::sink(),
        ))
        .unwrap_or_else(|e| panic!("the demo does not start: {e}"));
    eprintln!(
        "demo county served at {} after {:.1} s",
        demo.url,
        began.elapsed().as_secs_f64()
    );
    let county_hh = county_of(&demo);
    let (xss_household, xss_village) = import_script_household(&rt, &demo);

    let mut passed: Vec<(String, f64)> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut record = |name: &str, r: Result<Outcome, String>| match r {
        Ok(o) => {
            passed.push((name.to_owned(), o.seconds));
            notes.extend(o.notes.iter().map(|n| format!("{name}: {n}")));
        }
        Err(e) => failed.push(format!("[{name}] {e}")),
    };

    // 1. The county supervisor: coverage equal to the API, drill-down, briefings.
    if wanted("supervisor") {
        let r = run_node(&browser, &demo, "supervisor.mjs", "supervisor", &json!({}));
        record("supervisor", r);
    }

    // 2. The reviewer returns an assessment; the worker's phone receives it.
    if wanted("reviewer") {
        let worker_of: BTreeMap<&str, &str> = county_hh
            .iter()
            .map(|h| (h.household.id.as_str(), h.worker_id.as_str()))
            .collect();
        let comment = format!(
            "请补充监护人联系电话 / add the caregiver's phone ({})",
            Utc::now().format("%H%M%S%3f")
        );
        let input = json!({
            "passphrase": demo.file.passphrases.get("child-welfare"),
            "households": worker_of.keys().collect::<Vec<_>>(),
            "comment": comment,
        });
        let r = run_node(&browser, &demo, "reviewer.mjs", "reviewer", &input).and_then(|o| {
            let visit = o.data["visit_id"].as_str().unwrap_or_default().to_owned();
            let household = o.data["household_id"].as_str().unwrap_or_default();
            let worker = worker_of
                .get(household)
                .ok_or_else(|| format!("household {household} has no demo worker"))?;
            let comments = phone_tasks(&demo, &data, worker, &visit)?;
            if comments.iter().any(|c| c == &comment) {
                Ok(o)
            } else {
                Err(format!(
                    "after the return of {visit}, {worker}'s phone synced but holds no returned task with the comment {comment:?} (tasks for the visit: {comments:?})"
                ))
            }
        });
        record("reviewer", r);
    }

    // 3. The admin makes an enrollment code; a new phone redeems it.
    if wanted("admin") {
        let worker = staff::worker_id(1, 1);
        let r = run_node(&browser, &demo, "admin.mjs", "admin", &json!({ "worker": worker }))
            .and_then(|o| {
                let code = o.data["code"].as_str().unwrap_or_default().to_owned();
                let count = |list: &[Value]| {
                    list.iter()
                        .filter(|d| d["worker_id"] == worker.as_str() && d["revoked_at"].is_null())
                        .count()
                };
                let before = count(&api_devices(&demo, "admin")?);
                let phone = Phone::temporary().unwrap();
                // As `Phone::enroll`, but a refusal is this scenario's failure, not a panic.
                enroll(&phone.engine, &demo.url, &code, "test phone")
                    .map_err(|e| format!("a new phone cannot enroll with code {code}: {e}"))?;
                let after = api_devices(&demo, "admin")?;
                if count(&after) == before + 1
                    && after
                        .iter()
                        .any(|d| d["worker_id"] == worker.as_str() && d["label"] == "test phone")
                {
                    Ok(o)
                } else {
                    Err(format!(
                        "the phone enrolled with code {code}, but /api/v1/devices lists {} devices of {worker} (before: {before})",
                        count(&after)
                    ))
                }
            });
        record("admin", r);
    }

    // 3b. The admin adds a WeCom robot for the county and sends it a test; the robot gets it.
    if wanted("alerts") {
        let rx = rt
            .block_on(Receiver::start())
            .unwrap_or_else(|e| panic!("receiver: {e}"));
        let input = json!({
            "url": rx.url("/cgi-bin/webhook/send?key=demo-robot-key"),
            "label": "青溪县儿童督导群",
        });
        let r = run_node(&browser, &demo, "alerts.mjs", "admin", &input).and_then(|o| {
            let got = rt.block_on(rx.wait_for(1, Duration::from_secs(5)));
            let link = format!("({}/admin/alerts)", demo.url);
            // The channel takes every kind of event: a demo review whose clock runs out meanwhile
            // is alerted to it too. One test message, whatever else arrived.
            let tests: Vec<_> = got.iter().filter(|m| m.body.contains("测试消息")).collect();
            if tests.len() == 1 && tests[0].body.contains(&link) {
                Ok(o)
            } else {
                Err(format!(
                    "the robot did not get one test message linking to {link}: {got:?}"
                ))
            }
        });
        record("alerts", r);
    }

    // 3c. The admin sets the county's low-income standard on /admin/parameters; the API gives the
    // same number.
    if wanted("parameters") {
        let input = json!({ "county": county::COUNTY_ID, "year": 2026, "yuan": 1050 });
        let r = run_node(&browser, &demo, "parameters.mjs", "admin", &input).and_then(|o| {
            let path = format!("/api/v1/counties/{}/parameters", county::COUNTY_ID);
            let api = api_get(&demo, "admin", &path)?;
            let standards = &api["low_income_standards"];
            let shown = o.data["shown"].as_str().unwrap_or_default().to_owned();
            if standards[0]["year"] == 2026
                && standards[0]["yuan_per_person_month"].as_f64() == Some(1050.0)
                && shown == "1050"
            {
                Ok(o)
            } else {
                Err(format!(
                    "the page shows {shown:?} for 2026 and the API gives {standards}"
                ))
            }
        });
        record("parameters", r);
    }

    // 4. Township isolation for the station head of township A.
    if wanted("isolation") {
        let (forbidden, township, village, household) = other_townships(&county_hh);
        let head = staff::accounts()
            .into_iter()
            .find(|a| {
                a.unit_id == county::TOWNSHIPS[TOWNSHIP_A].id && a.login.starts_with("station-")
            })
            .map(|a| a.login)
            .unwrap_or_else(|| "station-qs".into());
        let input = json!({
            "forbidden": forbidden,
            "township": township,
            "village": village,
            "household": household,
            "control_login": "supervisor",
            "control_password": demo.file.passwords.get("supervisor"),
        });
        let r = run_node(&browser, &demo, "isolation.mjs", &head, &input);
        record("isolation", r);
    }

    // 5. A script in a household's name is text.
    if wanted("xss") {
        let input = json!({ "household": xss_household, "village": xss_village, "head": XSS_NAME });
        let r = run_node(&browser, &demo, "xss.mjs", "supervisor", &input);
        record("xss", r);
    }

    // 6. CSRF.
    if wanted("csrf") {
        let r = run_node(&browser, &demo, "csrf.mjs", "supervisor", &json!({}));
        record("csrf", r);
    }

    // 7. No sideways scrolling at 360 px.
    if wanted("mobile") {
        let r = run_node(&browser, &demo, "mobile.mjs", "supervisor", &json!({}));
        record("mobile", r);
    }

    // 8. Screenshots of every page of every role.
    if wanted("screenshots") {
        // Only this run's pages: a page that went away leaves no old picture behind.
        for entry in std::fs::read_dir(shots_dir())
            .into_iter()
            .flatten()
            .flatten()
        {
            if entry.path().extension().is_some_and(|e| e == "png") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let role = |role: &str, login: &str| {
            json!({
                "role": role,
                "login": login,
                "password": demo.file.passwords.get(login),
            })
        };
        let input = json!({
            "roles": [
                role("supervisor", "supervisor"),
                role("station", "station-qs"),
                role("reviewer", "reviewer"),
                role("admin", "admin"),
            ],
            "passphrase": demo.file.passphrases.get("child-welfare"),
        });
        let r = run_node(&browser, &demo, "screenshots.mjs", "supervisor", &input);
        record("screenshots", r);
    }

    rt.block_on(demo.stop())
        .unwrap_or_else(|e| panic!("the demo does not stop: {e}"));
    eprintln!("browser tests took {:.1} s", began.elapsed().as_secs_f64());
    for (name, secs) in &passed {
        eprintln!("passed: {name} ({secs:.1} s)");
    }
    for n in &notes {
        eprintln!("note: {n}");
    }
    assert!(
        failed.is_empty(),
        "{} of {} browser scenarios failed:\n{}",
        failed.len(),
        failed.len() + passed.len(),
        failed.join("\n")
    );
}
