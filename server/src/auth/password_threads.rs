//! The threads password work (argon2, 19 MiB a check) runs on: as many as may run at once, kept
//! for the life of the server. On the runtime's blocking pool each check could land on another
//! thread, and glibc keeps a freed block in the arena of the thread that used it: a flood of wrong
//! passwords grew the process by 19 MiB a thread to near 800 MiB. On a fixed set the blocks are
//! reused, so memory stays near one block a thread (`benches/signin_flood.rs` measures it).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads taking password work in turn.
#[derive(Debug)]
pub struct PasswordThreads {
    jobs: mpsc::Sender<Job>,
}

/// The threads are gone (the server is stopping).
#[derive(Debug, thiserror::Error)]
#[error("password work threads stopped")]
pub struct Stopped;

impl PasswordThreads {
    /// Starts `n` threads (at least one); they end when this is dropped.
    pub fn start(n: usize) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..n.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only to take the next job, not while it runs.
                        let next = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        match next {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })?;
        }
        Ok(PasswordThreads { jobs })
    }

    /// Runs `work` on one of the threads and waits for its result.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Stopped> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| Stopped)?;
        result.await.map_err(|_| Stopped)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_on_the_same_few_threads() {
        let threads = PasswordThreads::start(2).unwrap();
        let mut names = std::collections::BTreeSet::new();
        for _ in 0..20 {
            let name = threads
                .run(|| std::thread::current().name().unwrap_or("").to_owned())
                .await
                .unwrap();
            names.insert(name);
        }
        assert!(names.len() <= 2, "{names:?}");
        assert!(names.iter().all(|n| n.starts_with("password-")));
    }
}
