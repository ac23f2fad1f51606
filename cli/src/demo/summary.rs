//! The summary the demo prints once the phones have synced: coverage by township (from the server's
//! own coverage, evidence and review operations, as a county supervisor and the child-welfare
//! reviewer see them), visits by type, and the first entries of the overdue list, the suspicious
//! visits and the review queue.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use chrono::{DateTime, NaiveDate, Utc};
use fieldvisit_core::caseload::Category;
use unicode_width::UnicodeWidthStr;

use super::DemoError;
use fieldvisit_server::ops::Actor;
use fieldvisit_server::ops::coverage::{self, Coverage, Filter, Tally};
use fieldvisit_server::ops::evidence::{self, Evidence};
use fieldvisit_server::ops::parameters::Parameters;
use fieldvisit_server::ops::review::{self, ReviewView};
use fieldvisit_server::state::AppState;
use fieldvisit_server::store::{Counts, Scope, VisitMeta};
use fieldvisit_sim::county::units::{TOWNSHIPS, township_of, village_name};

/// The staff the summary is computed as.
pub const SUPERVISOR_ID: &str = "demo-supervisor";
/// The reviewer whose queue is shown.
pub const REVIEWER_ID: &str = "demo-reviewer";

/// One row of the coverage table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    /// Township (or the total).
    pub name: String,
    /// Households.
    pub households: usize,
    /// Visits stored.
    pub visits: usize,
    /// Due visits and what became of them.
    pub tally: Tally,
    /// Households overdue now.
    pub overdue: usize,
    /// Suspicious visits.
    pub suspicious: usize,
    /// Open HIGH-risk child reviews.
    pub high_open: usize,
}

/// Visits of one template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeLine {
    /// Template id.
    pub template_id: String,
    /// Visits.
    pub visits: usize,
    /// Visits at the most severe level of the schedule score.
    pub severe: usize,
    /// Visits at the middle level.
    pub watch: usize,
}

/// Everything the demo reports.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Period start (local).
    pub from: NaiveDate,
    /// Period end (local, today).
    pub to: NaiveDate,
    /// Rows stored on the server.
    pub counts: Counts,
    /// One line per township.
    pub townships: Vec<Line>,
    /// The county.
    pub total: Line,
    /// Visits by type.
    pub types: Vec<TypeLine>,
    /// Coverage as the county supervisor sees it (overdue list included).
    pub coverage: Coverage,
    /// Evidence (suspicious visits included).
    pub evidence: Evidence,
    /// The reviewer's open queue.
    pub queue: Vec<ReviewView>,
    /// Visits reported to police by the worker.
    pub police_reports: usize,
}

/// Computes the summary for the period from `from` to today.
pub async fn compute(
    state: &AppState,
    from: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Summary, DemoError> {
    let op = |step: &'static str| move |error| DemoError::Op { step, error };
    let supervisor = Actor::for_staff(state, SUPERVISOR_ID)
        .await
        .map_err(op("supervisor"))?;
    let reviewer = Actor::for_staff(state, REVIEWER_ID)
        .await
        .map_err(op("reviewer"))?;
    let today = coverage::local_date(now);
    let filter = Filter {
        unit_id: None,
        from,
        to: today,
        category: None,
        worker_id: None,
    };
    let data = coverage::load(state, &supervisor, &filter, today)
        .await
        .map_err(op("coverage"))?;
    let visits = evidence::load(state, &supervisor, &filter)
        .await
        .map_err(op("evidence"))?;
    let cov = coverage::compute(data, &filter);
    let ev = evidence::compute(
        &visits,
        &filter,
        &Parameters::load(state).await.map_err(op("parameters"))?,
    );
    let queue = review::queue(state, &reviewer, now)
        .await
        .map_err(op("review queue"))?;
    let counts = state.store.counts().await?;
    // The period's visits with their templates and police flags: a demo county's few hundred.
    let in_period: HashSet<&str> = visits.iter().map(|v| v.visit_id.as_str()).collect();
    let metas: Vec<VisitMeta> = state
        .store
        .visits(&Scope {
            path: supervisor.scope_path.clone(),
            worker_id: None,
        })
        .await?
        .into_iter()
        .filter(|v| in_period.contains(v.visit_id.as_str()))
        .collect();

    let households = state
        .store
        .households(&Scope {
            path: supervisor.scope_path.clone(),
            worker_id: None,
        })
        .await?;
    let village_of: HashMap<&str, &str> = households
        .iter()
        .map(|h| (h.household.id.as_str(), h.household.village_id.as_str()))
        .collect();
    let township = |household_id: &str| {
        village_of
            .get(household_id)
            .and_then(|v| township_of(v))
            .map(|t| t.id)
    };
    let mut lines: Vec<Line> = TOWNSHIPS
        .iter()
        .map(|t| Line {
            name: t.name.to_owned(),
            ..Line::default()
        })
        .collect();
    let index = |tid: Option<&str>| TOWNSHIPS.iter().position(|t| Some(t.id) == tid);
    for h in &households {
        if let Some(i) = index(township_of(&h.household.village_id).map(|t| t.id)) {
            lines[i].households += 1;
        }
    }
    for v in &visits {
        if let Some(i) = index(township(&v.household_id)) {
            lines[i].visits += 1;
        }
    }
    for row in &cov.by_village {
        if let Some(i) = index(township_of(&row.key).map(|t| t.id)) {
            lines[i].tally.add(&row.tally);
        }
    }
    for o in &cov.overdue {
        if let Some(i) = index(township_of(&o.village_id).map(|t| t.id)) {
            lines[i].overdue += 1;
        }
    }
    for s in &ev.suspicious {
        if let Some(i) = index(township(&s.household_id)) {
            lines[i].suspicious += 1;
        }
    }
    for r in queue.iter().filter(|r| r.level.as_deref() == Some("HIGH")) {
        if let Some(i) = index(township(&r.household_id)) {
            lines[i].high_open += 1;
        }
    }
    let mut total = Line {
        name: "合计 Total".into(),
        ..Line::default()
    };
    for l in &lines {
        total.households += l.households;
        total.visits += l.visits;
        total.tally.add(&l.tally);
        total.overdue += l.overdue;
        total.suspicious += l.suspicious;
        total.high_open += l.high_open;
    }
    let mut types: Vec<TypeLine> = [
        "economic-verification",
        "child-guardianship",
        "elderly-welfare",
    ]
    .iter()
    .map(|t| TypeLine {
        template_id: (*t).to_owned(),
        visits: 0,
        severe: 0,
        watch: 0,
    })
    .collect();
    for v in &metas {
        if let Some(t) = types.iter_mut().find(|t| t.template_id == v.template_id) {
            t.visits += 1;
            match v.level.as_deref() {
                Some("HIGH" | "HIGH_RISK") => t.severe += 1,
                Some("MEDIUM" | "KEY" | "IRREGULAR") => t.watch += 1,
                _ => {}
            }
        }
    }
    let police_reports = metas
        .iter()
        .filter(|v| v.reported_to_police_at.is_some())
        .count();
    Ok(Summary {
        from,
        to: today,
        counts,
        townships: lines,
        total,
        types,
        coverage: cov,
        evidence: ev,
        queue,
        police_reports,
    })
}

/// Pads `s` to `w` terminal columns (Chinese characters take two).
fn pad(s: &str, w: usize) -> String {
    let used = UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(w.saturating_sub(used)))
}

fn lpad(s: &str, w: usize) -> String {
    let used = UnicodeWidthStr::width(s);
    format!("{}{s}", " ".repeat(w.saturating_sub(used)))
}

const COLUMNS: [(&str, &str, usize); 11] = [
    ("乡镇街道", "Township", 14),
    ("户数", "Households", 11),
    ("走访", "Visits", 7),
    ("应访", "Due", 6),
    ("按时", "On time", 8),
    ("迟访", "Late", 6),
    ("漏访", "Missed", 7),
    ("按时率", "On-time %", 10),
    ("当前逾期", "Overdue", 9),
    ("可疑", "Suspicious", 11),
    ("高风险待审", "HIGH open", 11),
];

fn row(out: &mut dyn Write, cells: &[String]) -> io::Result<()> {
    let mut s = String::new();
    for (i, (cell, (_, _, w))) in cells.iter().zip(COLUMNS).enumerate() {
        if i == 0 {
            s.push_str(&pad(cell, w));
        } else {
            s.push_str(&lpad(cell, w));
        }
    }
    writeln!(out, "  {}", s.trim_end())
}

fn line_cells(l: &Line) -> Vec<String> {
    vec![
        l.name.clone(),
        l.households.to_string(),
        l.visits.to_string(),
        l.tally.due.to_string(),
        l.tally.on_time.to_string(),
        l.tally.late.to_string(),
        l.tally.missed.to_string(),
        format!("{:.1}%", l.tally.on_time_pct),
        l.overdue.to_string(),
        l.suspicious.to_string(),
        l.high_open.to_string(),
    ]
}

fn type_label(template_id: &str) -> &'static str {
    match template_id {
        "economic-verification" => "经济状况核查 economic check",
        "child-guardianship" => "儿童监护评估 child guardianship",
        _ => "老人关爱走访 elderly welfare",
    }
}

fn category_label(code: &str) -> String {
    Category::from_code(code).map_or_else(|| code.to_owned(), |c| c.label().zh)
}

/// Writes the coverage table and the lists.
pub fn render(s: &Summary, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "覆盖情况 Coverage, {} – {} (应访 = visits due by the schedule; 当前逾期 = households past their due date now)",
        s.from, s.to
    )?;
    row(out, &COLUMNS.map(|(zh, _, _)| zh.to_owned()))?;
    row(out, &COLUMNS.map(|(_, en, _)| en.to_owned()))?;
    for l in &s.townships {
        row(out, &line_cells(l))?;
    }
    row(out, &line_cells(&s.total))?;
    writeln!(
        out,
        "  服务器已存 Stored: {} 户 households, {} 次走访 visits, {} 张照片 photos, {} 部设备 devices",
        s.counts.households, s.counts.visits, s.counts.photos, s.counts.devices
    )?;
    writeln!(out)?;
    writeln!(out, "按走访类型 By visit type")?;
    for t in &s.types {
        writeln!(
            out,
            "  {}  {} 次 visits, {} 高风险 severe, {} 需关注 watch",
            pad(type_label(&t.template_id), 34),
            lpad(&t.visits.to_string(), 4),
            t.severe,
            t.watch
        )?;
    }
    writeln!(out)?;
    let overdue = &s.coverage.overdue;
    writeln!(
        out,
        "当前逾期 Overdue now: {} 户 households (most overdue first)",
        overdue.len()
    )?;
    for o in overdue.iter().take(5) {
        writeln!(
            out,
            "  {}  {}  {}  {}  逾期 {} 天 days overdue",
            o.household_id,
            pad(&o.head_name, 8),
            pad(village_name(&o.village_id), 10),
            pad(&category_label(&o.category), 16),
            o.days_overdue
        )?;
    }
    let sus = &s.evidence.suspicious;
    writeln!(
        out,
        "可疑走访 Suspicious visits: {} of {} ({}% within 200 m of home)",
        sus.len(),
        s.evidence.summary.visits,
        s.evidence.summary.within_distance_pct
    )?;
    for v in sus.iter().rev().take(5) {
        let distance = v
            .distance_m
            .map_or_else(|| "-".to_owned(), |d| format!("{:.0} m", d));
        writeln!(
            out,
            "  {}  {}  {}  {} min  {}  {}",
            coverage::local_date(v.started_at),
            v.household_id,
            pad(&v.worker_id, 16),
            lpad(&v.minutes.to_string(), 2),
            lpad(&distance, 7),
            v.reasons.join(", ")
        )?;
    }
    let urgent = s.queue.iter().filter(|r| r.urgent).count();
    let high = s
        .queue
        .iter()
        .filter(|r| r.level.as_deref() == Some("HIGH"))
        .count();
    writeln!(
        out,
        "审核队列 Review queue: {} open, {} HIGH, {} urgent; {} visit(s) reported to police by the worker",
        s.queue.len(),
        high,
        urgent,
        s.police_reports
    )?;
    for r in s.queue.iter().take(5) {
        writeln!(
            out,
            "  {}  {}  {}  {}  due {}{}",
            if r.urgent {
                "紧急 urgent"
            } else {
                "          "
            },
            r.household_id,
            pad(r.level.as_deref().unwrap_or("-"), 6),
            pad(r.state.as_str(), 9),
            r.due_at.format("%Y-%m-%d %H:%M UTC"),
            if r.overdue { "  (overdue)" } else { "" }
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_counts_chinese_characters_as_two_columns() {
        assert_eq!(pad("青山镇", 8), "青山镇  ");
        assert_eq!(lpad("12", 4), "  12");
        assert_eq!(pad("toolong", 3), "toolong");
        let mut t = Tally::default();
        t.add(&Tally {
            due: 4,
            on_time: 2,
            late: 1,
            missed: 0,
            pending: 1,
            on_time_pct: 0.0,
            visited_pct: 0.0,
        });
        assert_eq!(t.on_time_pct, 66.7);
        assert_eq!(t.visited_pct, 100.0);
    }
}
