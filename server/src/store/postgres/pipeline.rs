//! Statements sent to the server together and run there one after the other, so a transaction
//! of a dozen small statements waits for the network a few times instead of a dozen.
//!
//! The order matters (a row lock must come before the read it protects, a visit before the rows
//! that refer to it). The driver sends a statement when its future is first polled, so every
//! statement is prepared beforehand (a prepare that has to ask the server would let later
//! statements overtake it) and the futures are first polled in list order.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use deadpool_postgres::GenericClient;
use futures_util::future::{MaybeDone, maybe_done};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::backend;
use crate::store::StoreResult;

/// One parameter of a queued statement, owned by the pipeline until it has run.
pub(crate) type Param = Box<dyn ToSql + Sync + Send>;

/// Boxes each argument as a [`Param`].
macro_rules! params {
    ($($p:expr),* $(,)?) => {
        vec![$(Box::new($p) as $crate::store::postgres::pipeline::Param),*]
    };
}
pub(crate) use params;

/// Borrows owned parameters as the driver takes them.
pub(crate) fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| &**p as _).collect()
}

/// Statements queued to run in order; [`Pipeline::run`] sends them at once.
#[derive(Default)]
pub(crate) struct Pipeline {
    statements: Vec<(String, Vec<Param>)>,
}

/// Where a queued statement's answer is in [`Pipeline::run`]'s result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot(usize);

/// What each statement of a pipeline returned, in queue order.
pub(crate) struct Answers(Vec<StoreResult<Vec<Row>>>);

impl Pipeline {
    /// Queues `sql` with its parameters after what is queued already.
    pub(crate) fn push(&mut self, sql: impl Into<String>, params: Vec<Param>) -> Slot {
        self.statements.push((sql.into(), params));
        Slot(self.statements.len() - 1)
    }

    /// Prepares every statement (cached per connection), then sends them all and waits for every
    /// answer. After a failed statement the server refuses the rest of the transaction, so the
    /// first error is what a caller reports; see [`Answers`].
    pub(crate) async fn run<C: GenericClient>(self, c: &C) -> StoreResult<Answers> {
        let mut prepared = Vec::with_capacity(self.statements.len());
        for (sql, _) in &self.statements {
            prepared.push(c.prepare_cached(sql).await.map_err(backend)?);
        }
        let params: Vec<Vec<&(dyn ToSql + Sync)>> =
            self.statements.iter().map(|(_, ps)| refs(ps)).collect();
        let futures = prepared
            .iter()
            .zip(&params)
            .map(|(st, ps)| async move { c.query(st, ps).await.map_err(backend) })
            .collect();
        Ok(Answers(in_order(futures).await))
    }
}

impl Answers {
    /// The rows of the statement in `slot`, or its own error; taken out, so [`Answers::rows`]
    /// no longer reports on it.
    pub(crate) fn take(&mut self, slot: Slot) -> StoreResult<Vec<Row>> {
        std::mem::replace(&mut self.0[slot.0], Ok(Vec::new()))
    }

    /// Every statement's rows, or the first error in queue order.
    pub(crate) fn rows(self) -> StoreResult<Rows> {
        self.0.into_iter().collect::<StoreResult<_>>().map(Rows)
    }
}

/// What every statement of a pipeline returned, all of them having succeeded.
pub(crate) struct Rows(Vec<Vec<Row>>);

impl Rows {
    /// The rows of the statement in `slot`.
    pub(crate) fn take(&mut self, slot: Slot) -> Vec<Row> {
        std::mem::take(&mut self.0[slot.0])
    }
}

/// Drives every future to completion, polling them in list order each round, so their first
/// polls (where the driver sends) happen in that order.
async fn in_order<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut all: Vec<MaybeDone<Pin<Box<F>>>> = futures
        .into_iter()
        .map(|f| maybe_done(Box::pin(f)))
        .collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for f in &mut all {
            done &= Pin::new(f).poll(cx).is_ready();
        }
        if done { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    all.iter_mut()
        .filter_map(|f| Pin::new(f).take_output())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_order_polls_each_future_first_in_list_order() {
        let log = std::sync::Mutex::new(Vec::new());
        let futures = (0..5)
            .map(|i| {
                let log = &log;
                async move {
                    log.lock().expect("log").push(i);
                    // Later futures finish first; the outputs stay in list order anyway.
                    for _ in 0..(5 - i) {
                        tokio::task::yield_now().await;
                    }
                    i * 10
                }
            })
            .collect();
        assert_eq!(in_order(futures).await, vec![0, 10, 20, 30, 40]);
        assert_eq!(*log.lock().expect("log"), vec![0, 1, 2, 3, 4]);
    }
}
