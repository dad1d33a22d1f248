//! Scan progress for foreign code: a callback interface implemented in Python or Swift, and a
//! cancel handle that another thread (or the callback itself) can trigger.

use std::sync::Arc;

use jellyfin_core::scan::{CancelToken, ProgressFn};

use crate::types::ScanEvent;

/// Receives a scan's progress. Implement it in the foreign language (in Python: subclass
/// `ScanProgress` and define `on_event`). Called from the scan's worker threads; it should
/// return quickly. An exception it raises is ignored (the scan goes on).
#[uniffi::export(with_foreign)]
pub trait ScanProgress: Send + Sync {
    /// One progress event.
    fn on_event(&self, event: ScanEvent);
}

/// Cancels a running scan: the scan stops after the unit it is writing and its summary says
/// `cancelled`. One handle serves one scan or several.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancelHandle {
    token: CancelToken,
}

#[uniffi::export]
impl CancelHandle {
    /// A handle that is not cancelled.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Requests cancellation.
    pub fn cancel(&self) {
        self.token.cancel();
    }

    /// Whether cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

impl CancelHandle {
    pub(crate) fn token(&self) -> CancelToken {
        self.token.clone()
    }
}

/// The core's progress callback forwarding to a foreign one. An exception raised by the foreign
/// callback reaches Rust as a panic (uniffi's rule for methods without an error type): it is
/// caught here, so a faulty callback cannot abort the scan or leave its library marked as
/// being scanned.
pub(crate) fn progress_fn(progress: Arc<dyn ScanProgress>) -> ProgressFn {
    Arc::new(move |event| {
        if let Some(event) = ScanEvent::from_core(event) {
            let call = std::panic::AssertUnwindSafe(|| progress.on_event(event));
            let _ = std::panic::catch_unwind(call);
        }
    })
}
