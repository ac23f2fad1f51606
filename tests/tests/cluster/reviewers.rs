//! Child-welfare reviewers deciding cases through the load balancer while faults happen. A decision
//! whose answer was lost (a killed server, a dropped connection, a 5xx) is not sent again blindly:
//! the reviewer reads the case's history first, as a person reloading the page would.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::staff::{Answer, Staff};

/// A decision the reviewer saw take effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    pub visit_id: String,
    /// The state the decision moved the case to.
    pub to: String,
    /// Whether an answer was lost on the way (no answer, a 5xx), so the history had to say.
    pub answer_lost: bool,
}

/// What one reviewer did.
#[derive(Debug, Default)]
pub struct ReviewerRun {
    pub made: Vec<Made>,
}

/// Reviewer `login` decides the submitted cases whose id hash falls to `share` of `of`, until
/// `stop` is set: takes each for review, then confirms it, or returns every third one.
pub fn run(base: &str, login: &str, share: usize, of: usize, stop: &AtomicBool) -> ReviewerRun {
    let staff = Staff::login(base, login);
    staff.post(
        "/reviews/unlock",
        &json!({ "audience": "child-welfare", "passphrase": "test passphrase child" }),
    );
    let mut run = ReviewerRun::default();
    let mut decided = 0usize;
    while !stop.load(Ordering::SeqCst) {
        let queue = staff.get("/reviews");
        let mine: Vec<String> = queue
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter(|r| r["state"] == "submitted")
                    .filter_map(|r| r["visit_id"].as_str().map(str::to_string))
                    .filter(|v| owner(v, of) == share)
                    .collect()
            })
            .unwrap_or_default();
        for visit in mine {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            decide(
                &staff,
                &visit,
                json!({ "action": "start" }),
                "in_review",
                &mut run,
            );
            let last = if decided % 3 == 2 {
                json!({ "action": "return", "reason": "请补充监护人联系方式" })
            } else {
                json!({ "action": "confirm" })
            };
            let to = if decided % 3 == 2 {
                "returned"
            } else {
                "confirmed"
            };
            decide(&staff, &visit, last, to, &mut run);
            decided += 1;
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    run
}

/// Which reviewer a case falls to.
fn owner(visit: &str, of: usize) -> usize {
    visit.bytes().map(usize::from).sum::<usize>() % of
}

/// The transitions to `to` in the case's history.
pub fn transitions_to(staff: &Staff, visit: &str, to: &str) -> usize {
    let detail = staff.get(&format!("/reviews/{visit}"));
    detail["history"]
        .as_array()
        .map(|h| h.iter().filter(|e| e["to"] == to).count())
        .unwrap_or(0)
}

fn decide(staff: &Staff, visit: &str, body: Value, to: &str, run: &mut ReviewerRun) {
    let path = format!("/reviews/{visit}/decision");
    let mut lost_answer = false;
    for attempt in 0.. {
        assert!(
            attempt < 600,
            "{path}: no decision after {attempt} attempts"
        );
        match staff.post_once(&path, &body) {
            Answer::Status(s, v) if s == StatusCode::OK => {
                assert_eq!(v["state"], to, "{path}: {v}");
                break;
            }
            Answer::Status(s, v) if s.is_server_error() || s == StatusCode::CONFLICT => {
                // A conflict is only expected when an earlier attempt took effect unseen.
                assert!(
                    s != StatusCode::CONFLICT || lost_answer,
                    "{path}: {s} {v} on a first attempt"
                );
                lost_answer = true;
            }
            Answer::Status(s, v) => panic!("{path}: {s} {v}"),
            Answer::NoAnswer(_) => lost_answer = true,
        }
        if lost_answer && transitions_to(staff, visit, to) > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    run.made.push(Made {
        visit_id: visit.to_string(),
        to: to.to_string(),
        answer_lost: lost_answer,
    });
}
