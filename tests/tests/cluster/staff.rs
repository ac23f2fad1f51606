//! A staff member on the HTTP API through the load balancer, patient with a cluster under faults:
//! sign-in and reads are retried until they succeed.

use std::time::{Duration, Instant};

use fieldvisit_tests::harness::PASSWORD;
use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::{Value, json};

/// How long a read keeps trying before the test gives up.
const PATIENCE: Duration = Duration::from_secs(90);

/// A signed-in staff member.
pub struct Staff {
    pub client: Client,
    pub base: String,
    pub token: String,
}

/// What a write answered: a status and body, or no answer at all.
pub enum Answer {
    Status(StatusCode, Value),
    NoAnswer(String),
}

impl Staff {
    /// Signs in as `login`, retrying through faults.
    pub fn login(base: &str, login: &str) -> Staff {
        let client = Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_else(|e| panic!("http client: {e}"));
        let started = Instant::now();
        loop {
            let resp = client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({ "login": login, "password": PASSWORD }))
                .send()
                .and_then(|r| r.error_for_status())
                .and_then(|r| r.json::<Value>());
            match resp {
                Ok(v) => {
                    let token = v["token"].as_str().unwrap_or_default().to_string();
                    assert!(!token.is_empty(), "no token in {v}");
                    return Staff {
                        client,
                        base: base.to_string(),
                        token,
                    };
                }
                Err(e) => {
                    assert!(started.elapsed() < PATIENCE, "{login} cannot sign in: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    /// `GET /api/v1{path}`, retried until it answers 200.
    pub fn get(&self, path: &str) -> Value {
        let started = Instant::now();
        loop {
            let resp = self
                .client
                .get(format!("{}/api/v1{path}", self.base))
                .bearer_auth(&self.token)
                .send()
                .and_then(|r| r.error_for_status())
                .and_then(|r| r.json::<Value>());
            match resp {
                Ok(v) => return v,
                Err(e) => {
                    assert!(started.elapsed() < PATIENCE, "GET {path}: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    /// `POST /api/v1{path}` once.
    pub fn post_once(&self, path: &str, body: &Value) -> Answer {
        let resp = self
            .client
            .post(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send();
        match resp {
            Ok(r) => {
                let status = r.status();
                Answer::Status(status, r.json::<Value>().unwrap_or(Value::Null))
            }
            Err(e) => Answer::NoAnswer(e.to_string()),
        }
    }

    /// `POST /api/v1{path}`, retried after no answer or a 5xx until it answers 2xx.
    pub fn post(&self, path: &str, body: &Value) -> Value {
        let started = Instant::now();
        loop {
            match self.post_once(path, body) {
                Answer::Status(s, v) if s.is_success() => return v,
                Answer::Status(s, v) if !s.is_server_error() => panic!("POST {path}: {s} {v}"),
                Answer::Status(s, v) => {
                    assert!(started.elapsed() < PATIENCE, "POST {path}: {s} {v}")
                }
                Answer::NoAnswer(e) => assert!(started.elapsed() < PATIENCE, "POST {path}: {e}"),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
