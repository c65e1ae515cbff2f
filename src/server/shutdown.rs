//! What a graceful stop needs: the signal every open socket watches (it tells its client to
//! reconnect, then ends), and the sockets still open, which the stop waits for before it
//! commits the last writes and closes the database.

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The stop signal and the open sockets. Cheap to clone.
#[derive(Clone, Default)]
pub struct Shutdown {
    /// Cancelled when the server starts to stop.
    stopping: CancellationToken,
    /// Every socket's task.
    sockets: TaskTracker,
}

impl Shutdown {
    /// Tells every socket to end (and the HTTP server to stop accepting, through [`crate::server::serve`]).
    pub fn begin(&self) {
        self.stopping.cancel();
    }

    /// Resolves once the server has started to stop.
    pub async fn stopping(&self) {
        self.stopping.cancelled().await;
    }

    /// Runs a socket's task, counted until it ends.
    pub fn track<F: std::future::Future>(
        &self,
        socket: F,
    ) -> tokio_util::task::task_tracker::TrackedFuture<F> {
        self.sockets.track_future(socket)
    }

    /// Resolves once every socket has ended (none starts after the stop began: the listener
    /// no longer accepts).
    pub async fn sockets_ended(&self) {
        self.sockets.close();
        self.sockets.wait().await;
    }
}
