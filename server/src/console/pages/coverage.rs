//! Coverage for supervisors: tiles, a bar per unit below, the 12-month trend, a table per
//! category and the most overdue households, for a unit, period and category; every number links
//! to the households behind it, and the briefing downloads the same filter.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use fieldvisit_core::caseload::Category;
use serde::Deserialize;

use crate::console::charts::{Bar, TrendChart};
use crate::console::errors::PageError;
use crate::console::format;
use crate::console::frame::{Frame, Section};
use crate::console::i18n::Msgs;
use crate::console::paging::{Paged, paginate};
use crate::console::period::{Report, ReportQuery};
use crate::console::session::Signed;
use crate::ops::coverage::{
    self, Coverage, Data, HouseholdLine, OverdueItem, Status, Tally, local_date,
};
use crate::ops::directory::{self, Directory};
use crate::ops::{Actor, OpsError};
use crate::state::AppState;

/// A number and the list of households behind it.
#[derive(Debug, Clone)]
pub struct Linked {
    /// The number.
    pub value: u32,
    /// The households behind it.
    pub href: String,
}

/// A tally's numbers, each linked.
#[derive(Debug, Clone)]
pub struct Numbers {
    /// Due.
    pub due: Linked,
    /// On time.
    pub on_time: Linked,
    /// Late.
    pub late: Linked,
    /// Missed.
    pub missed: Linked,
    /// Pending.
    pub pending: Linked,
    /// On-time percentage as the API gives it.
    pub on_time_pct: String,
}

fn numbers(
    r: &Report,
    t: &Tally,
    unit: Option<&str>,
    worker: Option<&str>,
    category: Option<&str>,
) -> Numbers {
    let l = |value: u32, status: &str| Linked {
        value,
        href: r.households(status, unit, worker, category),
    };
    Numbers {
        due: l(t.due, "due"),
        on_time: l(t.on_time, "on_time"),
        late: l(t.late, "late"),
        missed: l(t.missed, "missed"),
        pending: l(t.pending, "pending"),
        on_time_pct: format::pct(t.on_time_pct),
    }
}

/// One unit (or worker) below the report's.
#[derive(Debug, Clone)]
pub struct ChildRow {
    /// Its name.
    pub name: String,
    /// Its own coverage page.
    pub drill: String,
    /// Its numbers.
    pub numbers: Numbers,
    /// Its bar.
    pub bar: Bar,
}

/// One category's row.
#[derive(Debug, Clone)]
pub struct CategoryRow {
    /// The category's name.
    pub name: &'static str,
    /// Its numbers.
    pub numbers: Numbers,
}

/// A tile of the summary.
#[derive(Debug, Clone)]
pub struct Tile {
    /// Label.
    pub label: &'static str,
    /// Value as shown.
    pub value: String,
    /// The households behind it, when it is a count.
    pub href: Option<String>,
    /// `ok`, `late`, `bad` or empty.
    pub tone: &'static str,
    /// Name of the metric (for tests and scripts reading the page).
    pub metric: &'static str,
}

/// One step of the breadcrumb.
#[derive(Debug, Clone)]
pub struct Crumb {
    /// The unit's (or worker's) name.
    pub name: String,
    /// Its coverage page; `None` for the current one.
    pub href: Option<String>,
}

/// An overdue household as a row.
#[derive(Debug, Clone)]
pub struct OverdueRow {
    /// Household id.
    pub household_id: String,
    /// Head of household.
    pub head_name: String,
    /// ID number, masked.
    pub id_number: String,
    /// Village name.
    pub village: String,
    /// Category name.
    pub category: &'static str,
    /// Worker name.
    pub worker: String,
    /// Due date.
    pub due: String,
    /// Days overdue.
    pub days: i64,
}

fn overdue_row(o: &OverdueItem, dir: &Directory, t: &Msgs) -> OverdueRow {
    OverdueRow {
        household_id: o.household_id.clone(),
        head_name: o.head_name.clone(),
        id_number: o.id_number.clone(),
        village: dir.unit_name(&o.village_id),
        category: t.category(&o.category),
        worker: o
            .worker_id
            .as_deref()
            .map_or_else(|| t.no_worker.to_owned(), |w| dir.staff_name(w)),
        due: format::date(o.due),
        days: o.days_overdue,
    }
}

/// What the filter form shows.
#[derive(Debug, Clone)]
pub struct FilterForm {
    /// Path the form submits to.
    pub action: &'static str,
    /// `month`, `quarter` or `custom`.
    pub kind: &'static str,
    /// `YYYY-MM`.
    pub month: String,
    /// `YYYY-Qn`.
    pub quarter: String,
    /// Quarters offered.
    pub quarters: Vec<String>,
    /// `YYYY-MM-DD`.
    pub from: String,
    /// `YYYY-MM-DD`.
    pub to: String,
    /// Category code or empty.
    pub category: String,
    /// Categories offered: code and name.
    pub categories: Vec<(&'static str, &'static str)>,
    /// Unit id kept by the form.
    pub unit: String,
    /// Worker id kept by the form.
    pub worker: String,
    /// Extra hidden fields (status, sort).
    pub hidden: Vec<(&'static str, String)>,
}

pub(crate) fn filter_form(
    action: &'static str,
    r: &Report,
    t: &Msgs,
    today: chrono::NaiveDate,
) -> FilterForm {
    let f = &r.filter;
    FilterForm {
        action,
        kind: r.kind.code(),
        month: r.month.clone(),
        quarter: r.quarter.clone(),
        quarters: r.quarters(today),
        from: f.from.to_string(),
        to: f.to.to_string(),
        category: f.category.map_or_else(String::new, |c| c.code().to_owned()),
        categories: Category::ALL
            .iter()
            .map(|c| (c.code(), t.category(c.code())))
            .collect(),
        unit: f.unit_id.clone().unwrap_or_default(),
        worker: f.worker_id.clone().unwrap_or_default(),
        hidden: Vec::new(),
    }
}

/// The heading of a report: where it is (breadcrumb), and its period.
#[derive(Debug, Clone)]
pub struct Heading {
    /// From the supervisor's own branch down to this unit (and worker).
    pub crumbs: Vec<Crumb>,
    /// The unit's (or worker's) name.
    pub name: String,
    /// `2026-12-01 – 2026-12-31`.
    pub period: String,
    /// The category's name, when one is chosen.
    pub category: Option<&'static str>,
}

pub(crate) fn heading(
    r: &Report,
    unit_path: &str,
    dir: &Directory,
    actor: &Actor,
    t: &Msgs,
) -> Heading {
    let mut units: Vec<_> = dir
        .units
        .iter()
        .filter(|u| unit_path.starts_with(&u.path) && u.path.starts_with(&actor.scope_path))
        .collect();
    units.sort_by_key(|u| u.path.len());
    let worker = r.filter.worker_id.as_deref();
    let last = units.len().saturating_sub(1);
    let mut crumbs: Vec<Crumb> = units
        .iter()
        .enumerate()
        .map(|(i, u)| Crumb {
            name: u.name.clone(),
            href: (i != last || worker.is_some()).then(|| r.of_unit(&u.id)),
        })
        .collect();
    if let Some(w) = worker {
        crumbs.push(Crumb {
            name: dir.staff_name(w),
            href: None,
        });
    }
    Heading {
        name: crumbs.last().map_or_else(String::new, |c| c.name.clone()),
        crumbs,
        period: format!(
            "{} – {}",
            format::date(r.filter.from),
            format::date(r.filter.to)
        ),
        category: r.filter.category.map(|c| t.category(c.code())),
    }
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    frame: Frame,
    form: FilterForm,
    heading: Heading,
    tiles: Vec<Tile>,
    child_title: &'static str,
    children: Vec<ChildRow>,
    trend: TrendChart,
    categories: Vec<CategoryRow>,
    overdue: Vec<OverdueRow>,
    overdue_total: usize,
    overdue_href: String,
    briefing_xlsx: String,
    briefing_csv: String,
    worker_households: Option<String>,
}

/// What a report page loads: the report, its coverage data and the branch's names.
struct Loaded {
    report: Report,
    data: Data,
    dir: Directory,
    today: chrono::NaiveDate,
}

async fn load(state: &AppState, user: &Signed, q: &ReportQuery) -> Result<Loaded, OpsError> {
    let today = local_date(Utc::now());
    let report = q.resolve(today)?;
    let actor = user.actor();
    let (data, dir) = tokio::try_join!(
        coverage::load(state, &actor, &report.filter, today),
        directory::of_branch(state, &actor)
    )?;
    Ok(Loaded {
        report,
        data,
        dir,
        today,
    })
}

fn tiles(r: &Report, c: &Coverage, t: &Msgs) -> Vec<Tile> {
    let n = numbers(r, &c.totals, None, None, None);
    let count = |label, metric, l: Linked, tone| Tile {
        label,
        value: l.value.to_string(),
        href: Some(l.href),
        tone,
        metric,
    };
    let pct = c.totals.on_time_pct;
    vec![
        count(t.tile_due, "due", n.due, ""),
        count(t.tile_on_time, "on_time", n.on_time, "ok"),
        count(t.tile_late, "late", n.late, "late"),
        count(t.tile_missed, "missed", n.missed, "bad"),
        Tile {
            label: t.tile_overdue_now,
            value: c.overdue.len().to_string(),
            href: Some(r.households("overdue", None, None, None)),
            tone: if c.overdue.is_empty() { "ok" } else { "bad" },
            metric: "overdue",
        },
        Tile {
            label: t.tile_on_time_pct,
            value: n.on_time_pct,
            href: None,
            tone: if pct >= 90.0 {
                "ok"
            } else if pct >= 70.0 {
                "late"
            } else {
                "bad"
            },
            metric: "on_time_pct",
        },
    ]
}

/// `GET /coverage`.
pub async fn page(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<ReportQuery>,
) -> Response {
    let t = user.lang.msgs();
    let frame = user.frame(Section::Coverage, t.coverage_title);
    let loaded = match load(&state, &user, &q).await {
        Ok(l) => l,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let Loaded {
        report,
        data,
        dir,
        today,
    } = loaded;
    let actor = user.actor();
    let unit_path = data.unit_path.clone();
    let c = coverage::compute(data, &report.filter);
    let trend = match coverage::trend(&state, &actor, &report.filter, today, 12).await {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let by_worker = c.child_level == "worker";
    let children = c
        .children
        .iter()
        .map(|row| {
            let (name, drill, unit, worker) = if by_worker {
                (
                    if row.key == "-" {
                        t.no_worker.to_owned()
                    } else {
                        dir.staff_name(&row.key)
                    },
                    report.of_worker(&row.key),
                    None,
                    Some(row.key.as_str()),
                )
            } else {
                (
                    dir.unit_name(&row.key),
                    report.of_unit(&row.key),
                    Some(row.key.as_str()),
                    None,
                )
            };
            ChildRow {
                name,
                drill,
                numbers: numbers(&report, &row.tally, unit, worker, None),
                bar: Bar::of(&row.tally),
            }
        })
        .collect();
    let categories = c
        .by_category
        .iter()
        .filter(|row| row.tally.due > 0)
        .map(|row| CategoryRow {
            name: t.category(&row.key),
            numbers: numbers(&report, &row.tally, None, None, Some(&row.key)),
        })
        .collect();
    let mut overdue: Vec<&OverdueItem> = c.overdue.iter().collect();
    overdue.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then(a.household_id.cmp(&b.household_id))
    });
    let child_title = if by_worker {
        t.by_worker
    } else {
        crate::store::OrgLevel::parse(&c.child_level).map_or(t.by_child_unit, |l| t.org_level(l))
    };
    let heading = heading(&report, &unit_path, &dir, &actor, t);
    let page = CoveragePage {
        frame: user.frame(
            Section::Coverage,
            &format!("{} · {}", heading.name, t.coverage_title),
        ),
        form: filter_form("/coverage", &report, t, today),
        tiles: tiles(&report, &c, t),
        child_title,
        children,
        trend: TrendChart::of(&trend, t),
        categories,
        overdue: overdue
            .iter()
            .take(10)
            .map(|o| overdue_row(o, &dir, t))
            .collect(),
        overdue_total: c.overdue.len(),
        overdue_href: report.on("/coverage/overdue", &[]),
        briefing_xlsx: report.briefing("xlsx"),
        briefing_csv: report.briefing("csv"),
        worker_households: report
            .filter
            .worker_id
            .is_some()
            .then(|| report.households("due", None, None, None)),
        heading,
    };
    crate::console::errors::render(&page)
}

/// The overdue page's query: the report filter, the sort and the page.
#[derive(Debug, Deserialize)]
pub struct OverdueQuery {
    #[serde(flatten)]
    report: ReportQuery,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: String,
}

/// A sortable column heading.
#[derive(Debug, Clone)]
pub struct SortLink {
    /// Label.
    pub label: &'static str,
    /// The list sorted by it.
    pub href: String,
    /// `aria-sort` value when it is the current sort.
    pub aria: &'static str,
}

#[derive(Template)]
#[template(path = "overdue.html")]
struct OverduePage {
    frame: Frame,
    form: FilterForm,
    heading: Heading,
    columns: Vec<SortLink>,
    list: Paged<OverdueRow>,
    back: String,
}

/// `GET /coverage/overdue?…&sort=days|due|village|worker|category&page=`.
pub async fn overdue(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<OverdueQuery>,
) -> Response {
    let t = user.lang.msgs();
    let frame = user.frame(Section::Overdue, t.overdue_title);
    let loaded = match load(&state, &user, &q.report).await {
        Ok(l) => l,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let Loaded {
        report,
        data,
        dir,
        today,
    } = loaded;
    let unit_path = data.unit_path.clone();
    let c = coverage::compute(data, &report.filter);
    let sort = match q.sort.as_str() {
        "" | "days" => "days",
        "due" | "village" | "worker" | "category" => q.sort.as_str(),
        _ => {
            return PageError::new(
                frame,
                OpsError::invalid(
                    "bad_query",
                    "sort: must be days, due, village, worker or category",
                ),
            )
            .into_response();
        }
    };
    let mut rows: Vec<OverdueRow> = c.overdue.iter().map(|o| overdue_row(o, &dir, t)).collect();
    match sort {
        "due" => rows.sort_by(|a, b| a.due.cmp(&b.due)),
        "village" => rows.sort_by(|a, b| a.village.cmp(&b.village).then(b.days.cmp(&a.days))),
        "worker" => rows.sort_by(|a, b| a.worker.cmp(&b.worker).then(b.days.cmp(&a.days))),
        "category" => rows.sort_by(|a, b| a.category.cmp(b.category).then(b.days.cmp(&a.days))),
        _ => rows.sort_by(|a, b| {
            b.days
                .cmp(&a.days)
                .then(a.household_id.cmp(&b.household_id))
        }),
    }
    let columns = [
        ("days", t.days_overdue),
        ("due", t.due_date),
        ("village", t.village),
        ("worker", t.worker),
        ("category", t.category),
    ]
    .into_iter()
    .map(|(key, label)| SortLink {
        label,
        href: report.on("/coverage/overdue", &[("sort", key)]),
        aria: if key == sort {
            if key == "days" {
                "descending"
            } else {
                "ascending"
            }
        } else {
            ""
        },
    })
    .collect();
    let page_no = q.page.parse().unwrap_or(1);
    let list = paginate(rows, page_no, |n| {
        report.on(
            "/coverage/overdue",
            &[("sort", sort), ("page", &n.to_string())],
        )
    });
    let actor = user.actor();
    let heading = heading(&report, &unit_path, &dir, &actor, t);
    let mut form = filter_form("/coverage/overdue", &report, t, today);
    form.hidden.push(("sort", sort.to_owned()));
    let page = OverduePage {
        frame: user.frame(
            Section::Overdue,
            &format!("{} · {}", heading.name, t.overdue_title),
        ),
        form,
        heading,
        columns,
        list,
        back: report.on("/coverage", &[]),
    };
    crate::console::errors::render(&page)
}

/// The households page's query: the report filter, the status and the page.
#[derive(Debug, Deserialize)]
pub struct HouseholdsQuery {
    #[serde(flatten)]
    report: ReportQuery,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: String,
}

/// A household line as a row.
#[derive(Debug, Clone)]
pub struct HouseholdRow {
    /// Household id.
    pub household_id: String,
    /// Head of household.
    pub head_name: String,
    /// ID number, masked.
    pub id_number: String,
    /// Village name.
    pub village: String,
    /// Worker name.
    pub worker: String,
    /// Category name.
    pub category: &'static str,
    /// Its share of the numbers.
    pub tally: Tally,
    /// Next due date, or empty.
    pub next_due: String,
    /// Days overdue, or empty.
    pub days_overdue: String,
}

fn household_row(h: &HouseholdLine, dir: &Directory, t: &Msgs) -> HouseholdRow {
    HouseholdRow {
        household_id: h.household_id.clone(),
        head_name: h.head_name.clone(),
        id_number: h.id_number.clone(),
        village: dir.unit_name(&h.village_id),
        worker: h
            .worker_id
            .as_deref()
            .map_or_else(|| t.no_worker.to_owned(), |w| dir.staff_name(w)),
        category: t.category(&h.category),
        tally: h.tally,
        next_due: h.next_due.map_or_else(String::new, format::date),
        days_overdue: h.days_overdue.map_or_else(String::new, |d| d.to_string()),
    }
}

#[derive(Template)]
#[template(path = "households.html")]
struct HouseholdsPage {
    frame: Frame,
    form: FilterForm,
    heading: Heading,
    status_label: &'static str,
    statuses: Vec<(&'static str, &'static str, String, bool)>,
    list: Paged<HouseholdRow>,
    back: String,
}

fn status_label(s: Status, t: &Msgs) -> &'static str {
    match s {
        Status::Due => t.tile_due,
        Status::OnTime => t.tile_on_time,
        Status::Late => t.tile_late,
        Status::Missed => t.tile_missed,
        Status::Pending => t.tile_pending,
        Status::Overdue => t.tile_overdue_now,
    }
}

/// `GET /coverage/households?…&status=&page=`: the households behind one number.
pub async fn households(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<HouseholdsQuery>,
) -> Response {
    let t = user.lang.msgs();
    let frame = user.frame(Section::Coverage, t.households_behind);
    let status = match q.status.as_str() {
        "" => Status::Due,
        s => match Status::parse(s) {
            Some(s) => s,
            None => {
                return PageError::new(
                    frame,
                    OpsError::invalid(
                        "bad_query",
                        "status: must be due, on_time, late, missed, pending or overdue",
                    ),
                )
                .into_response();
            }
        },
    };
    let today = local_date(Utc::now());
    let actor = user.actor();
    let loaded = async {
        let report = q.report.resolve(today)?;
        let (lines, dir, (_, scope)) = tokio::try_join!(
            coverage::households(&state, &actor, &report.filter, today, status),
            directory::of_branch(&state, &actor),
            coverage::branch(&state, &actor, &report.filter),
        )?;
        Ok::<_, OpsError>((report, lines, dir, scope.path))
    };
    let (report, lines, dir, unit_path) = match loaded.await {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let code = status_code(status);
    let rows: Vec<HouseholdRow> = lines.iter().map(|h| household_row(h, &dir, t)).collect();
    let list = paginate(rows, q.page.parse().unwrap_or(1), |n| {
        report.on(
            "/coverage/households",
            &[("status", code), ("page", &n.to_string())],
        )
    });
    let statuses = [
        Status::Due,
        Status::OnTime,
        Status::Late,
        Status::Missed,
        Status::Pending,
        Status::Overdue,
    ]
    .into_iter()
    .map(|s| {
        (
            status_code(s),
            status_label(s, t),
            report.households(status_code(s), None, None, None),
            s == status,
        )
    })
    .collect();
    let heading = heading(&report, &unit_path, &dir, &actor, t);
    let mut form = filter_form("/coverage/households", &report, t, today);
    form.hidden.push(("status", code.to_owned()));
    let label = status_label(status, t);
    let page = HouseholdsPage {
        frame: user.frame(Section::Coverage, &format!("{} · {label}", heading.name)),
        form,
        heading,
        status_label: label,
        statuses,
        list,
        back: report.on("/coverage", &[]),
    };
    crate::console::errors::render(&page)
}

fn status_code(s: Status) -> &'static str {
    match s {
        Status::Due => "due",
        Status::OnTime => "on_time",
        Status::Late => "late",
        Status::Missed => "missed",
        Status::Pending => "pending",
        Status::Overdue => "overdue",
    }
}
