//! A write deadline for a socket: a client that takes no frame for as long as it may stay
//! silent is gone. Without it a client that stops reading (a frozen tab, a dead network) would
//! hold its socket task in a send forever, with the frame and the connection's buffers.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{Sink, SinkExt};

/// `inner`, whose every write (readiness and flush) must complete within `within`.
pub(super) struct Deadline<S> {
    /// The socket's sink.
    inner: S,
    /// How long one write may wait for the client.
    within: Duration,
    /// Running while a write waits.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> Deadline<S> {
    /// Wraps `inner`.
    pub(super) fn new(inner: S, within: Duration) -> Self {
        Deadline {
            inner,
            within,
            timer: None,
        }
    }

    /// Polls one step of a write; fails it when it has waited longer than allowed.
    fn guarded(
        &mut self,
        cx: &mut Context<'_>,
        step: impl FnOnce(&mut S, &mut Context<'_>) -> Poll<Result<(), axum::Error>>,
    ) -> Poll<Result<(), axum::Error>> {
        if let Poll::Ready(done) = step(&mut self.inner, cx) {
            self.timer = None;
            return Poll::Ready(done);
        }
        let within = self.within;
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(within)));
        if timer.as_mut().poll(cx).is_ready() {
            self.timer = None;
            return Poll::Ready(Err(axum::Error::new(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("the client took no frame for {within:?}"),
            ))));
        }
        Poll::Pending
    }
}

impl<S, T> Sink<T> for Deadline<S>
where
    S: Sink<T, Error = axum::Error> + Unpin,
{
    type Error = axum::Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
        self.get_mut()
            .guarded(cx, |inner, cx| inner.poll_ready_unpin(cx))
    }

    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), axum::Error> {
        self.get_mut().inner.start_send_unpin(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
        self.get_mut()
            .guarded(cx, |inner, cx| inner.poll_flush_unpin(cx))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
        self.get_mut()
            .guarded(cx, |inner, cx| inner.poll_close_unpin(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink that never takes anything, like a client that stopped reading.
    struct Stuck;

    impl Sink<u8> for Stuck {
        type Error = axum::Error;
        fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
            Poll::Pending
        }
        fn start_send(self: Pin<&mut Self>, _: u8) -> Result<(), axum::Error> {
            Ok(())
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
            Poll::Pending
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
            Poll::Pending
        }
    }

    #[tokio::test]
    async fn a_write_the_client_never_takes_fails_after_the_deadline() {
        let mut sink = Deadline::new(Stuck, Duration::from_millis(50));
        let started = tokio::time::Instant::now();
        let error = sink.send(1).await.expect_err("the write fails");
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert!(error.to_string().contains("took no frame"), "{error}");
    }

    #[tokio::test]
    async fn writes_that_complete_are_not_touched() {
        let (tx, mut rx) = futures::channel::mpsc::unbounded::<u8>();
        let mut sink = Deadline::new(tx.sink_map_err(axum::Error::new), Duration::from_millis(1));
        for n in 0..3 {
            sink.send(n).await.expect("sent");
        }
        drop(sink);
        let got: Vec<u8> = futures::StreamExt::collect(&mut rx).await;
        assert_eq!(got, vec![0, 1, 2]);
    }
}
