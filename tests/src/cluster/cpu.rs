//! CPU time of the cluster's processes by tier (database, photo store, load balancer, servers,
//! load generator), read from `/proc`. When every tier shares one machine, a throughput figure
//! says little about a deployment where each tier has cores of its own; the CPU one visit costs
//! each tier says how many cores each needs at a given rate.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// `/proc` counts CPU time in clock ticks of 1/USER_HZ s; USER_HZ is 100 on every architecture
/// Linux runs on in practice (it is part of the kernel's user ABI), so a tick is 10 ms.
const TICK_MS: u64 = 10;

/// A named group of processes: the roots and everything they started.
#[derive(Debug, Clone)]
pub struct Tier {
    /// What the tier is, as printed.
    pub name: &'static str,
    /// Its root processes; their descendants count too (PostgreSQL's backends), except those that
    /// are another tier's roots (the servers this process started are not load phones).
    pub roots: Vec<u32>,
}

/// The CPU each tier had used at one moment.
#[derive(Debug, Clone)]
pub struct CpuSample(Vec<(&'static str, Duration)>);

/// One process as `/proc/<pid>/stat` gives it.
struct Proc {
    parent: u32,
    /// Its own CPU time plus that of the children it has waited for (which have left `/proc`).
    ticks: u64,
}

fn read_proc(pid: u32) -> Option<Proc> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces or parentheses itself.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // After the name: state, ppid, …; utime, stime, cutime, cstime are fields 14–17 of the line.
    let num = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some(Proc {
        parent: u32::try_from(num(1)?).ok()?,
        ticks: num(11)? + num(12)? + num(13)? + num(14)?,
    })
}

fn all_processes() -> HashMap<u32, Proc> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return HashMap::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, read_proc(pid)?)))
        .collect()
}

/// The CPU used so far by each tier (a process that has exited unwaited is no longer counted).
pub fn sample(tiers: &[Tier]) -> CpuSample {
    let procs = all_processes();
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (pid, p) in &procs {
        children.entry(p.parent).or_default().push(*pid);
    }
    let roots: HashSet<u32> = tiers.iter().flat_map(|t| t.roots.iter().copied()).collect();
    let tree_ticks = |root: u32| {
        let (mut stack, mut ticks) = (vec![root], 0);
        while let Some(pid) = stack.pop() {
            ticks += procs.get(&pid).map_or(0, |p| p.ticks);
            let own = children.get(&pid).into_iter().flatten();
            stack.extend(own.filter(|c| !roots.contains(c)));
        }
        ticks
    };
    CpuSample(
        tiers
            .iter()
            .map(|t| {
                let ticks: u64 = t.roots.iter().map(|r| tree_ticks(*r)).sum();
                (t.name, Duration::from_millis(ticks * TICK_MS))
            })
            .collect(),
    )
}

impl CpuSample {
    /// The CPU each tier used between `earlier` and this sample.
    pub fn since(&self, earlier: &CpuSample) -> CpuUse {
        CpuUse(
            self.0
                .iter()
                .zip(&earlier.0)
                .map(|((name, now), (_, then))| (*name, now.saturating_sub(*then)))
                .collect(),
        )
    }
}

/// CPU used by each tier over a phase.
#[derive(Debug, Clone)]
pub struct CpuUse(Vec<(&'static str, Duration)>);

impl CpuUse {
    /// All tiers together.
    pub fn total(&self) -> Duration {
        self.0.iter().map(|(_, d)| *d).sum()
    }

    /// Milliseconds of CPU per unit of work, by tier and in all, and the cores `rate` units a
    /// second take: `PostgreSQL 1.10 ms, servers 0.58 ms, … = 1.88 ms per visit; 2,000/s take 3.8
    /// cores`.
    pub fn per_unit(&self, units: usize, unit: &str, rate: f64) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1e3 / units.max(1) as f64;
        let tiers: Vec<String> = self
            .0
            .iter()
            .map(|(name, d)| format!("{name} {:.2} ms", ms(*d)))
            .collect();
        let total = ms(self.total());
        format!(
            "{} = {total:.2} ms of CPU per {unit}; {rate:.0}/s take {:.1} cores",
            tiers.join(", "),
            total * rate / 1e3
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples `tiers` until tier `i` has used `at_least` since `before`, for at most 20 s (the
    /// machine may be busy), and returns what every tier used by then.
    fn until(tiers: &[Tier], before: &CpuSample, i: usize, at_least: Duration) -> CpuUse {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let used = sample(tiers).since(before);
            if used.0[i].1 >= at_least || std::time::Instant::now() > deadline {
                return used;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn counts_this_process_and_its_work() {
        let tiers = [Tier {
            name: "this test",
            roots: vec![std::process::id()],
        }];
        let before = sample(&tiers);
        // A thread spins until the count shows it.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spinner = {
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            })
        };
        let used = until(&tiers, &before, 0, Duration::from_millis(100));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        spinner.join().expect("spinner");
        assert!(
            used.total() >= Duration::from_millis(100),
            "a spinning thread counted as {:?}",
            used.total()
        );
        let line = used.per_unit(10, "visit", 2000.0);
        assert!(line.starts_with("this test "), "{line}");
        assert!(line.contains("ms of CPU per visit; 2000/s take"), "{line}");
    }

    #[test]
    fn a_child_that_is_another_tier_counts_there_only() {
        use std::io::BufRead;
        // A waiting shell whose child spins until killed; the shell tells the child's pid.
        let mut parent = std::process::Command::new("sh")
            .args(["-c", "sh -c 'while :; do :; done' & echo $!; wait"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("sh");
        let mut line = String::new();
        std::io::BufReader::new(parent.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the child's pid");
        let child: u32 = line.trim().parse().expect("a pid");
        let tiers = [
            Tier {
                name: "parent",
                roots: vec![parent.id()],
            },
            Tier {
                name: "child",
                roots: vec![child],
            },
        ];
        let before = sample(&tiers);
        let used = until(&tiers, &before, 1, Duration::from_millis(200));
        let _ = std::process::Command::new("kill")
            .arg(child.to_string())
            .status();
        let _ = parent.wait();
        let (parent, child) = (used.0[0].1, used.0[1].1);
        assert!(child >= Duration::from_millis(200), "the child's {child:?}");
        assert!(
            parent < Duration::from_millis(50),
            "the waiting parent's {parent:?}"
        );
    }

    #[test]
    fn a_missing_process_counts_nothing() {
        let tiers = [Tier {
            name: "gone",
            roots: vec![u32::MAX],
        }];
        assert_eq!(
            sample(&tiers).since(&sample(&tiers)).total(),
            Duration::ZERO
        );
    }
}
