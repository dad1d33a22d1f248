//! The queue from the [`SessionManager`](super::SessionManager) to one listener (a WebSocket):
//! a bounded FIFO that can be received from blocking or as a future, without an async runtime.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::mpsc::{RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime};

use super::OutboundMessage;

/// How many messages wait for a slow listener before the oldest are dropped (the newest state
/// matters most: a `Sessions` push or a `Playstate` command).
pub const MAX_QUEUED_MESSAGES: usize = 1024;

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<OutboundMessage>,
    waker: Option<Waker>,
    /// The manager closed this subscription (its session was removed).
    closed: bool,
    /// When the [`Subscription`] was dropped (the socket went away).
    dropped_at: Option<SystemTime>,
}

/// The state shared by the manager (sending side) and one [`Subscription`].
#[derive(Debug, Default)]
pub(crate) struct Shared {
    state: Mutex<State>,
    ready: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `msg`; `false` when nobody listens any more.
    pub(crate) fn push(&self, msg: OutboundMessage) -> bool {
        let mut s = self.lock();
        if s.closed || s.dropped_at.is_some() {
            return false;
        }
        if s.queue.len() >= MAX_QUEUED_MESSAGES {
            s.queue.pop_front();
        }
        s.queue.push_back(msg);
        let waker = s.waker.take();
        drop(s);
        self.ready.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
        true
    }

    /// Ends the subscription: the listener drains what is queued, then sees the end.
    pub(crate) fn close(&self) {
        let mut s = self.lock();
        s.closed = true;
        let waker = s.waker.take();
        drop(s);
        self.ready.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// When the listener went away; `None` while it is there.
    pub(crate) fn dropped_at(&self) -> Option<SystemTime> {
        self.lock().dropped_at
    }

    /// Whether the listener is still there and the subscription open.
    pub(crate) fn is_live(&self) -> bool {
        let s = self.lock();
        !s.closed && s.dropped_at.is_none()
    }
}

/// The receiving end of [`SessionManager::subscribe`](super::SessionManager::subscribe): the
/// messages sent to one session, in order. Receive them blocking ([`recv_timeout`]), polling
/// ([`try_recv`]) or from async code ([`recv`]). Dropping it unsubscribes; the session then counts
/// one open socket less.
///
/// [`recv_timeout`]: Subscription::recv_timeout
/// [`try_recv`]: Subscription::try_recv
/// [`recv`]: Subscription::recv
#[derive(Debug)]
pub struct Subscription {
    shared: Arc<Shared>,
    session_id: String,
}

impl Subscription {
    pub(crate) fn new(shared: Arc<Shared>, session_id: String) -> Self {
        Self { shared, session_id }
    }

    /// The session this subscription listens to.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// The next queued message without waiting. `Disconnected` once the session was removed
    /// and the queue is drained.
    pub fn try_recv(&self) -> Result<OutboundMessage, TryRecvError> {
        let mut s = self.shared.lock();
        match s.queue.pop_front() {
            Some(m) => Ok(m),
            None if s.closed => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Waits up to `timeout` for the next message (blocking the thread).
    pub fn recv_timeout(&self, timeout: Duration) -> Result<OutboundMessage, RecvTimeoutError> {
        let deadline = Instant::now() + timeout;
        let mut s = self.shared.lock();
        loop {
            if let Some(m) = s.queue.pop_front() {
                return Ok(m);
            }
            if s.closed {
                return Err(RecvTimeoutError::Disconnected);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(RecvTimeoutError::Timeout);
            }
            s = self
                .shared
                .ready
                .wait_timeout(s, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Polls for the next message: `Ready(None)` once the session was removed and the queue is
    /// drained. Only the most recent waker is woken (one task receives).
    pub fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<OutboundMessage>> {
        let mut s = self.shared.lock();
        if let Some(m) = s.queue.pop_front() {
            return Poll::Ready(Some(m));
        }
        if s.closed {
            return Poll::Ready(None);
        }
        match &s.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => s.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The next message, from async code (any runtime); `None` once the session was removed.
    /// Cancel-safe: dropping the future loses no message.
    pub fn recv(&self) -> impl Future<Output = Option<OutboundMessage>> + '_ {
        std::future::poll_fn(move |cx| self.poll_recv(cx))
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut s = self.shared.lock();
        s.dropped_at = Some(SystemTime::now());
        s.queue.clear();
        s.waker = None;
    }
}
