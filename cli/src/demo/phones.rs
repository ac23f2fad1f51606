//! Running the simulated phones: open each worker's phone store, make enrollment codes for the
//! phones not enrolled yet, then let all phones record and upload at once on their own threads (the
//! sync client is blocking, as on a phone's background thread).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use fieldvisit_core::caseload::Household;
use fieldvisit_server::ops::{Actor, devices};
use fieldvisit_server::state::AppState;
use fieldvisit_sim::county::plan::{self, PlannedVisit};
use fieldvisit_sim::county::recording::{self, PhoneJob, PhoneReport};
use fieldvisit_sim::county::{CountyHousehold, staff, units};
use fieldvisit_sim::phone::Phone;

use super::{DemoError, say};

/// Runs one phone per worker over the county's plan; returns what each did.
pub(super) async fn run_phones(
    data: &Path,
    state: &AppState,
    url: &str,
    county: &[CountyHousehold],
    progress: &mut dyn Write,
) -> Result<Vec<PhoneReport>, DemoError> {
    let workers = staff::workers();
    let opened = {
        let data = data.to_path_buf();
        let ids: Vec<String> = workers.iter().map(|w| w.id.clone()).collect();
        tokio::task::spawn_blocking(move || {
            ids.iter()
                .map(|id| {
                    let failed = |error| DemoError::Phone {
                        worker: id.clone(),
                        error,
                    };
                    let phone = Phone::open(&phone_dir(&data, id)).map_err(failed)?;
                    let enrolled = phone.is_enrolled().map_err(failed)?;
                    Ok((phone, enrolled))
                })
                .collect::<Result<Vec<(Phone, bool)>, DemoError>>()
        })
        .await
        .map_err(|e| DemoError::Task(e.to_string()))??
    };
    let mut codes = Vec::new();
    for (w, (_, enrolled)) in workers.iter().zip(&opened) {
        codes.push(if *enrolled {
            None
        } else {
            let (code, _) = devices::create_code(state, &Actor::cli(), &w.id)
                .await
                .map_err(|error| DemoError::Op {
                    step: "enrollment code",
                    error,
                })?;
            Some(code)
        });
    }
    let households: Arc<Vec<Household>> =
        Arc::new(county.iter().map(|h| h.household.clone()).collect());
    let mut visits: Vec<Vec<PlannedVisit>> = vec![Vec::new(); workers.len()];
    for h in county {
        if let Some(w) = workers.iter().position(|w| w.id == h.worker_id) {
            visits[w].extend(h.plan.visits.iter().cloned());
        }
    }
    let total: usize = visits.iter().map(Vec::len).sum();
    say(
        progress,
        &format!(
            "③ {} 部模拟手机录入并上传 {} 次走访 {} simulated phones record and upload {} visits…",
            workers.len(),
            total,
            workers.len(),
            total
        ),
    );
    let url = url.to_owned();
    let reports = tokio::task::spawn_blocking(move || {
        let workers = staff::workers();
        std::thread::scope(|scope| {
            let handles: Vec<_> = opened
                .iter()
                .zip(codes)
                .zip(visits)
                .enumerate()
                .map(|(i, (((phone, _), code), planned))| {
                    let worker = &workers[i];
                    // Workers come in pairs per station; the other one co-signs economic checks.
                    let partner = &workers[i ^ 1];
                    let township = units::TOWNSHIPS[i / 2].name;
                    let households = &households;
                    let url = &url;
                    scope.spawn(move || {
                        let job = PhoneJob {
                            worker,
                            partner: &partner.name,
                            township,
                            visits: plan::timetable(planned),
                            households,
                            code,
                        };
                        recording::work_through(phone, &job, url).map_err(|error| {
                            DemoError::Phone {
                                worker: worker.id.clone(),
                                error,
                            }
                        })
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .map_err(|_| DemoError::Task("a phone thread panicked".into()))?
                })
                .collect::<Result<Vec<PhoneReport>, DemoError>>()
        })
    })
    .await
    .map_err(|e| DemoError::Task(e.to_string()))??;
    for r in &reports {
        let login = staff::by_id(&r.worker_id).map_or_else(|| r.worker_id.clone(), |a| a.login);
        say(
            progress,
            &format!(
                "   {}{}: 录入 recorded {} (已有 earlier {}), 上传 uploaded {} visits, {} photos{}",
                pad_login(&login),
                if r.enrolled {
                    " 已注册 enrolled"
                } else {
                    ""
                },
                r.recorded,
                r.already_sealed,
                r.uploaded,
                r.photos,
                if r.refused.is_empty() {
                    String::new()
                } else {
                    format!(", 被拒 refused {}", r.refused.len())
                }
            ),
        );
    }
    Ok(reports)
}

/// The folder of a worker's phone in the demo folder.
pub fn phone_dir(data: &Path, worker_id: &str) -> std::path::PathBuf {
    data.join("phones").join(worker_id)
}

/// A login padded for the tables.
pub(super) fn pad_login(login: &str) -> String {
    format!("{login:<13}")
}
