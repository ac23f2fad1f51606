//! The demo's staff: an administrator, a county supervisor, a county child-welfare reviewer, a
//! station head per township and two workers per station (each worker carries one simulated phone).

use super::units::{COUNTY_ID, TOWNSHIPS};

/// What an account may do, as the server's roles have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffRole {
    /// 驻站社工.
    Worker,
    /// 站长 / county staff.
    Supervisor,
    /// 儿童督导员.
    ChildWelfareReviewer,
    /// Administration.
    Admin,
}

/// One demo account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Staff id.
    pub id: String,
    /// Login name.
    pub login: String,
    /// Display name (synthetic).
    pub name: String,
    /// Role.
    pub role: StaffRole,
    /// Root unit of the account's branch.
    pub unit_id: String,
    /// What the account is for, Chinese first.
    pub purpose: String,
}

/// Synthetic worker names, two per township.
const WORKER_NAMES: [[&str; 2]; 3] = [
    ["陈晓燕", "赵志强"],
    ["孙丽华", "马俊杰"],
    ["林雪梅", "郭海涛"],
];
/// Synthetic station heads, one per township.
const HEAD_NAMES: [&str; 3] = ["何建国", "罗春燕", "宋文斌"];

fn short(township_id: &str) -> &str {
    township_id.rsplit('-').next().unwrap_or(township_id)
}

/// Every demo account, in the order they are created and printed.
pub fn accounts() -> Vec<Account> {
    let mut out = vec![
        Account {
            id: "demo-admin".into(),
            login: "admin".into(),
            name: "系统管理员".into(),
            role: StaffRole::Admin,
            unit_id: COUNTY_ID.into(),
            purpose: "管理员：组织、账号、设备 / admin: org, accounts, devices".into(),
        },
        Account {
            id: "demo-supervisor".into(),
            login: "supervisor".into(),
            name: "吴敏".into(),
            role: StaffRole::Supervisor,
            unit_id: COUNTY_ID.into(),
            purpose: "县民政局：覆盖率、可疑走访、月报 / county: coverage, evidence, briefing"
                .into(),
        },
        Account {
            id: "demo-reviewer".into(),
            login: "reviewer".into(),
            name: "徐静".into(),
            role: StaffRole::ChildWelfareReviewer,
            unit_id: COUNTY_ID.into(),
            purpose: "儿童督导员：审核监护评估 / child-welfare reviewer".into(),
        },
    ];
    for (t, township) in TOWNSHIPS.iter().enumerate() {
        let s = short(township.id);
        out.push(Account {
            id: format!("demo-head-{s}"),
            login: format!("station-{s}"),
            name: HEAD_NAMES[t].into(),
            role: StaffRole::Supervisor,
            unit_id: township.id.into(),
            purpose: format!("{}社工站站长 / station head", township.name),
        });
    }
    for (t, township) in TOWNSHIPS.iter().enumerate() {
        let s = short(township.id);
        for (w, name) in WORKER_NAMES[t].iter().enumerate() {
            out.push(Account {
                id: worker_id(t, w),
                login: format!("worker-{s}-{}", w + 1),
                name: (*name).into(),
                role: StaffRole::Worker,
                unit_id: township.id.into(),
                purpose: format!(
                    "{}驻站社工（模拟手机）/ worker (simulated phone)",
                    township.name
                ),
            });
        }
    }
    out
}

/// The staff id of worker `w` (0 or 1) of township `t`.
pub fn worker_id(t: usize, w: usize) -> String {
    format!("demo-w-{}-{}", short(TOWNSHIPS[t].id), w + 1)
}

/// The workers (with phones), in township order.
pub fn workers() -> Vec<Account> {
    accounts()
        .into_iter()
        .filter(|a| a.role == StaffRole::Worker)
        .collect()
}

/// The account with this staff id.
pub fn by_id(id: &str) -> Option<Account> {
    accounts().into_iter().find(|a| a.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_logins_are_valid_and_unique() {
        let all = accounts();
        assert_eq!(workers().len(), 6);
        let mut logins: Vec<&str> = all.iter().map(|a| a.login.as_str()).collect();
        logins.sort_unstable();
        logins.dedup();
        assert_eq!(logins.len(), all.len());
        assert_eq!(
            by_id(&worker_id(2, 1)).map(|a| a.name),
            Some("郭海涛".into())
        );
    }
}
