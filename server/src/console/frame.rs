//! The frame around every page: language, title, the navigation a role has, the signed-in user,
//! the CSRF token for forms, and the asset URLs. Templates extend `base.html`, which reads it.

use super::assets::{Urls, urls};
use super::i18n::{Lang, Msgs};
use super::links;
use super::session::Signed;
use crate::store::Role;

/// The part of the console a page belongs to (which navigation entry is current).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Sign-in and other public pages.
    Public,
    /// The landing page.
    Home,
    /// Coverage.
    Coverage,
    /// The overdue list.
    Overdue,
    /// Evidence and visits.
    Evidence,
    /// Reviews.
    Reviews,
    /// Households (reached from the reports).
    Households,
    /// Staff accounts.
    Staff,
    /// Devices.
    Devices,
    /// Household import.
    Import,
    /// Audience keys.
    Keys,
    /// County schedules.
    Schedules,
    /// County parameters and templates.
    Parameters,
    /// Alert channels and deliveries.
    Alerts,
    /// The audit log.
    Audit,
    /// One's own account.
    Account,
}

/// One entry of the navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// Its label.
    pub label: &'static str,
    /// The current page is in it.
    pub current: bool,
}

/// The frame of a page.
#[derive(Debug)]
pub struct Frame {
    /// The catalogue.
    pub t: &'static Msgs,
    /// `lang` attribute.
    pub lang: &'static str,
    /// Page title (before the product name).
    pub title: String,
    /// The signed-in user's name.
    pub user_name: Option<String>,
    /// Their role's name.
    pub user_role: &'static str,
    /// Navigation of the role.
    pub nav: Vec<NavItem>,
    /// CSRF token of the session (empty on public pages, whose forms carry their own).
    pub csrf: String,
    /// The language switch.
    pub switch_href: String,
    /// Asset URLs.
    pub assets: &'static Urls,
    /// A short notice from the last action (a catalogue label).
    pub notice: Option<&'static str>,
    /// The page shows a map (loads Leaflet).
    pub map: bool,
}

fn nav(t: &'static Msgs, role: Role, section: Section) -> Vec<NavItem> {
    let item = |href, label, s: Section| NavItem {
        href,
        label,
        current: s == section,
    };
    match role {
        Role::Supervisor => vec![
            item("/coverage", t.nav_coverage, Section::Coverage),
            item("/coverage/overdue", t.nav_overdue, Section::Overdue),
            item("/evidence", t.nav_evidence, Section::Evidence),
            item("/reviews", t.nav_reviews, Section::Reviews),
        ],
        Role::ChildWelfareReviewer => vec![item("/reviews", t.nav_reviews, Section::Reviews)],
        Role::Admin => vec![
            item("/admin/staff", t.nav_staff, Section::Staff),
            item("/admin/devices", t.nav_devices, Section::Devices),
            item("/admin/import", t.nav_import, Section::Import),
            item("/admin/keys", t.nav_keys, Section::Keys),
            item("/admin/schedules", t.nav_schedules, Section::Schedules),
            item("/admin/parameters", t.nav_parameters, Section::Parameters),
            item("/admin/alerts", t.nav_alerts, Section::Alerts),
            item("/admin/audit", t.nav_audit, Section::Audit),
        ],
        Role::Worker => vec![item("/", t.home, Section::Home)],
    }
}

fn switch(lang: Lang, here: &str) -> String {
    links::to(&format!("/lang/{}", lang.other().code()), &[("next", here)])
}

impl Frame {
    /// The frame of a public page (sign-in, errors before sign-in).
    pub fn public(lang: Lang, title: &str, here: &str) -> Frame {
        Frame {
            t: lang.msgs(),
            lang: lang.code(),
            title: title.to_owned(),
            user_name: None,
            user_role: "",
            nav: Vec::new(),
            csrf: String::new(),
            switch_href: switch(lang, here),
            assets: urls(),
            notice: None,
            map: false,
        }
    }

    /// The frame of a signed-in page.
    pub fn signed(user: &Signed, section: Section, title: &str) -> Frame {
        let t = user.lang.msgs();
        let role = user.caller.staff.role;
        let pending = user.caller.staff.must_change_password;
        Frame {
            t,
            lang: user.lang.code(),
            title: title.to_owned(),
            user_name: Some(user.caller.staff.display_name.clone()),
            user_role: t.role(role),
            nav: if pending {
                Vec::new()
            } else {
                nav(t, role, section)
            },
            csrf: user.caller.session.csrf_token.clone(),
            switch_href: switch(user.lang, &user.here),
            assets: urls(),
            notice: None,
            map: false,
        }
    }

    /// With a notice of the last action.
    pub fn with_notice(mut self, notice: Option<&'static str>) -> Frame {
        self.notice = notice;
        self
    }
}
