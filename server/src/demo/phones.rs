//! Running the simulated phones: open each worker's phone store, make enrollment codes for the
//! phones not enrolled yet, then let all phones record and upload at once on their own threads (the
//! sync client is blocking, as on a phone's background thread).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use fieldvisit_core::Engine;
use fieldvisit_core::caseload::Household;

use super::phone::{self, PhoneJob, PhoneReport};
use super::plan::{self, PlannedVisit};
use super::{CountyHousehold, DemoError, county, say, staff};
use crate::ops::{Actor, devices};
use crate::state::AppState;

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
                    let engine = phone::open(&data, id)?;
                    let enrolled = phone::is_enrolled(&engine, id)?;
                    Ok((engine, enrolled))
                })
                .collect::<Result<Vec<(Engine, bool)>, DemoError>>()
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
                .map(|(i, (((engine, _), code), planned))| {
                    let worker = &workers[i];
                    // Workers come in pairs per station; the other one co-signs economic checks.
                    let partner = &workers[i ^ 1];
                    let township = county::TOWNSHIPS[i / 2].name;
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
                        phone::run(engine, &job, url)
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

/// A login padded for the tables.
pub(super) fn pad_login(login: &str) -> String {
    format!("{login:<13}")
}
