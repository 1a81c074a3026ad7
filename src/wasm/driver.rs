//! Drives one engine from JavaScript: the clock, the one JS timer armed for the
//! engine's next deadline, delivery of events and swap responses, and saving
//! state when it changed.
//!
//! Rule: no JS code (listeners, resolvers, getters) ever runs while the state
//! is borrowed, so a listener may call back into its server.

use super::convert::{request_text, to_js};
use super::respond::response_to_js;
use super::storage::Storage;
use crate::config::{ClockKind, ServerConfig, MAX_TIME_SCALE, MIN_TIME_SCALE};
use crate::engine::{Engine, Reply};
use crate::http::{AdvanceRefused, ExchangeId, Facade, Fetched, HttpRequest, Output};
use crate::persist::Snapshot;
use crate::protocol::{Event, Response};
use crate::swap::Ticket;
use crate::text::num;
use crate::trace::Recorder;
use gloo_timers::callback::Timeout;
use js_sys::{Function, Promise};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A monotonic clock in ms (browsers and Node 20 both have `performance`).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Simulated time in ms since the epoch.
enum Clock {
    Manual { now: f64 },
    Real { epoch: f64, origin: f64, scale: f64 },
}

impl Clock {
    /// After a restore: the simulated clock never goes back before `saved_at`.
    fn resume_from(&mut self, saved_at: f64) {
        match self {
            Clock::Manual { now } => *now = now.max(saved_at),
            Clock::Real { epoch, .. } => *epoch = epoch.max(saved_at),
        }
    }

    fn now(&self) -> f64 {
        match self {
            Clock::Manual { now } => *now,
            Clock::Real {
                epoch,
                origin,
                scale,
            } => epoch + (performance_now() - origin) * scale,
        }
    }
}

struct Armed {
    at: f64,
    _timeout: Timeout,
}

struct Persistence {
    key: String,
    storage: Storage,
    /// The engine revision and the clock last saved (`None`: save at the next chance).
    saved: Option<(u64, f64)>,
}

pub(super) struct State {
    engine: Engine,
    clock: Clock,
    timer: Option<Armed>,
    listeners: Vec<(u64, Function)>,
    next_listener: u64,
    waiting: HashMap<Ticket, Function>,
    /// The HTTP façade's open exchanges, and where each one's output goes.
    facade: Facade,
    outlets: HashMap<ExchangeId, Function>,
    /// `server.fetch`, made once so that it stays the same function.
    fetch: Option<Function>,
    persistence: Option<Persistence>,
    /// `state_recovered`, held until the first listener subscribes.
    notice: Option<Event>,
    /// With `record: true`: the session's trace.
    recorder: Option<Recorder>,
}

/// A server's state, shared by its JS handle, its timer and its unsubscribe functions.
#[derive(Clone)]
pub struct Driver(Rc<RefCell<State>>);

impl From<Rc<RefCell<State>>> for Driver {
    fn from(state: Rc<RefCell<State>>) -> Driver {
        Driver(state)
    }
}

/// Thrown to JS when the server is used while it is busy (never expected: JS is
/// single-threaded and no JS runs during a borrow).
const BUSY: &str = "model-hotload: the server is busy";

impl Driver {
    /// A server on `config`; with `persist`, restored from `storage` when
    /// the saved state is usable, else fresh with a `state_recovered` notice.
    /// `options` are the options as given, kept in a trace.
    pub fn new(config: &ServerConfig, storage: Option<Storage>, options: &Value) -> Driver {
        let mut clock = match config.clock {
            ClockKind::Manual => Clock::Manual {
                now: config.start_time,
            },
            ClockKind::Real => Clock::Real {
                epoch: js_sys::Date::now(),
                origin: performance_now(),
                scale: config.time_scale,
            },
        };
        // The catalog's models became ready when the server started.
        let started = ServerConfig {
            start_time: clock.now(),
            ..config.clone()
        };
        let mut engine = Engine::new(&started, Box::new(performance_now));
        let mut notice = None;
        let mut restored_at = None;
        let persistence = match (&config.persist, storage) {
            (Some(key), Some(storage)) => {
                match storage.get(key) {
                    Ok(None) => {}
                    Ok(Some(text)) => {
                        let restored = Snapshot::from_json(&text).and_then(|snapshot| {
                            let saved_at = snapshot.saved_at;
                            Engine::restore(config, snapshot, Box::new(performance_now))
                                .map(|e| (e, saved_at))
                        });
                        match restored {
                            Ok((saved, saved_at)) => {
                                engine = saved;
                                clock.resume_from(saved_at);
                                restored_at = Some(saved_at);
                            }
                            Err(reason) => {
                                // Keep the unusable text for inspection; start fresh.
                                let _ = storage.set(&format!("{key}.corrupt"), &text);
                                notice = Some(reason);
                            }
                        }
                    }
                    Err(reason) => {
                        notice = Some(format!("the saved state could not be read ({reason})"))
                    }
                }
                Some(Persistence {
                    key: key.clone(),
                    storage,
                    saved: None,
                })
            }
            _ => None,
        };
        // Loads whose deadline passed while nobody ran the server end now, at their own deadlines.
        let now = clock.now();
        engine.handle_timeout(now);
        let _ = (engine.take_events(), engine.take_completions()); // nobody listens yet
        let recorder = config.record.then(|| {
            let mut recorder = Recorder::new(options.clone(), started.start_time);
            // A restored server replays from the state it was restored to.
            if restored_at.is_some() {
                recorder.rebase(&engine, now);
            }
            recorder
        });
        let driver = Driver(Rc::new(RefCell::new(State {
            engine,
            clock,
            timer: None,
            listeners: Vec::new(),
            next_listener: 0,
            waiting: HashMap::new(),
            facade: Facade::default(),
            outlets: HashMap::new(),
            fetch: None,
            persistence,
            notice: notice.map(|reason| Event::StateRecovered { time: now, reason }),
            recorder,
        })));
        driver.settle();
        driver
    }

    pub fn now(&self) -> Result<f64, JsError> {
        Ok(self
            .0
            .try_borrow()
            .map_err(|_| JsError::new(BUSY))?
            .clock
            .now())
    }

    /// Applies a request now; the Promise carries its response.
    pub fn handle_request(&self, request: &JsValue) -> Promise {
        // Read the request before borrowing: reading it may run the caller's getters.
        let text = request_text(request);
        let reply = {
            let Ok(mut state) = self.0.try_borrow_mut() else {
                return Promise::reject(&JsError::new(BUSY).into());
            };
            let now = state.clock.now();
            if matches!(state.clock, Clock::Real { .. }) {
                // The real clock never stops: settle what fell due since the timer last ran.
                state.engine.handle_timeout(now);
            }
            let state = &mut *state;
            match (&mut state.recorder, text) {
                (Some(recorder), Ok(text)) => recorder.request(&mut state.engine, Ok(&text), now),
                (Some(recorder), Err(error)) => {
                    recorder.request(&mut state.engine, Err(error), now)
                }
                (None, Ok(text)) => state.engine.handle_text(&text, now),
                (None, Err(error)) => Reply::Now(Response::error(error, None)),
            }
        };
        let promise = match reply {
            Reply::Now(response) => Promise::resolve(&response_to_js(&response)),
            Reply::AfterSwap(ticket) => {
                let mut resolver = None;
                let promise = Promise::new(&mut |resolve, _reject| resolver = Some(resolve));
                if let (Some(resolve), Ok(mut state)) = (resolver, self.0.try_borrow_mut()) {
                    state.waiting.insert(ticket, resolve);
                }
                promise
            }
        };
        self.settle();
        promise
    }

    /// Manual clock: moves time by `ms`, ending each job and swap at its own
    /// deadline, in order, and delivering its events before the next.
    pub fn advance(&self, ms: f64) -> Result<(), JsError> {
        self.try_advance(ms, true).map_err(|refused| match refused {
            AdvanceRefused::RealClock(why) | AdvanceRefused::Refused(why) => JsError::new(&why),
        })
    }

    /// `record`: an `advance()` call, a step of the trace (a `POST
    /// /_sim/advance` is recorded as its fetch).
    fn try_advance(&self, ms: f64, record: bool) -> Result<(), AdvanceRefused> {
        let busy = || AdvanceRefused::Refused(BUSY.to_string());
        let target = {
            let mut state = self.0.try_borrow_mut().map_err(|_| busy())?;
            let manual = matches!(state.clock, Clock::Manual { .. });
            let now = state.clock.now();
            let target = AdvanceRefused::target(manual, now, ms)?;
            let state = &mut *state;
            if let (true, Some(recorder)) = (record, &mut state.recorder) {
                recorder.advance(&state.engine, now, ms);
            }
            target
        };
        loop {
            {
                let mut state = self.0.try_borrow_mut().map_err(|_| busy())?;
                let Some(due) = next_deadline(&state).filter(|&t| t <= target) else {
                    if let Clock::Manual { now } = &mut state.clock {
                        *now = now.max(target);
                    }
                    break;
                };
                let at = match &mut state.clock {
                    Clock::Manual { now } => {
                        *now = now.max(due);
                        *now
                    }
                    Clock::Real { .. } => due,
                };
                state.engine.handle_timeout(at);
            }
            // Listeners see the clock at this deadline, and may add requests.
            self.settle();
        }
        // Save the new time (a manual clock's time is state).
        self.settle();
        Ok(())
    }

    /// Starts answering an HTTP request (`server.fetch`); `outlet(head, data,
    /// end)` receives the answer as the façade writes it. Returns its id.
    pub fn exchange(
        &self,
        method: &str,
        url: &str,
        body: &str,
        outlet: Function,
    ) -> Result<f64, JsError> {
        let fetched = {
            let mut state = self.0.try_borrow_mut().map_err(|_| JsError::new(BUSY))?;
            let now = state.clock.now();
            if matches!(state.clock, Clock::Real { .. }) {
                state.engine.handle_timeout(now);
            }
            let state = &mut *state;
            let request = HttpRequest { method, url, body };
            let fetched = match &mut state.recorder {
                Some(recorder) => {
                    recorder.fetch(&mut state.facade, &mut state.engine, request, now)
                }
                None => state.facade.fetch(&mut state.engine, request, now),
            };
            let id = match fetched {
                Fetched::Open(id) | Fetched::Advance(id, _) => id,
            };
            state.outlets.insert(id, outlet);
            fetched
        };
        let id = match fetched {
            Fetched::Open(id) => id,
            Fetched::Advance(id, ms) => {
                let result = self.try_advance(ms, false);
                let mut state = self.0.try_borrow_mut().map_err(|_| JsError::new(BUSY))?;
                let now = state.clock.now();
                state.facade.advanced(id, result.map(|()| now));
                id
            }
        };
        self.settle();
        Ok(id as f64)
    }

    /// The client stopped reading an answer: it ends (its jobs go on).
    pub fn cancel(&self, id: f64) {
        if let Ok(mut state) = self.0.try_borrow_mut() {
            let id = id as ExchangeId;
            state.facade.cancel(id);
            state.outlets.remove(&id);
            if let Some(recorder) = &mut state.recorder {
                recorder.cancelled(id);
            }
        }
        self.settle();
    }

    /// `server.fetch`, the same function each time.
    pub fn fetch(&self) -> Result<Function, JsError> {
        if let Some(fetch) = &self.0.try_borrow().map_err(|_| JsError::new(BUSY))?.fetch {
            return Ok(fetch.clone());
        }
        let fetch = super::fetch::make(Rc::downgrade(&self.0));
        self.0
            .try_borrow_mut()
            .map_err(|_| JsError::new(BUSY))?
            .fetch = Some(fetch.clone());
        Ok(fetch)
    }

    /// The session's trace (`record: true`), as JSON.
    pub fn trace(&self) -> Result<Value, JsError> {
        let state = self.0.try_borrow().map_err(|_| JsError::new(BUSY))?;
        match &state.recorder {
            Some(recorder) => Ok(recorder.to_value()),
            None => Err(JsError::new(
                "trace() needs a recording server: construct the Server with { record: true }.",
            )),
        }
    }

    /// Real clock: changes the speed from now on, keeping the simulated present.
    pub fn set_time_scale(&self, new_scale: f64) -> Result<(), JsError> {
        if !(MIN_TIME_SCALE..=MAX_TIME_SCALE).contains(&new_scale) {
            return Err(JsError::new(&format!(
                "setTimeScale(scale) takes a number from {} to {}.",
                num(MIN_TIME_SCALE),
                num(MAX_TIME_SCALE)
            )));
        }
        {
            let mut state = self.0.try_borrow_mut().map_err(|_| JsError::new(BUSY))?;
            let now = state.clock.now();
            let Clock::Real {
                epoch,
                origin,
                scale,
            } = &mut state.clock
            else {
                return Err(JsError::new(
                    "setTimeScale() needs the real clock; the manual clock moves with advance().",
                ));
            };
            *epoch = now;
            *origin = performance_now();
            *scale = new_scale;
            // The armed delay was computed at the old speed.
            state.timer = None;
        }
        self.settle();
        Ok(())
    }

    pub fn subscribe(&self, listener: Function) -> Result<Function, JsError> {
        let (id, notice) = {
            let mut state = self.0.try_borrow_mut().map_err(|_| JsError::new(BUSY))?;
            let id = state.next_listener;
            state.next_listener += 1;
            state.listeners.push((id, listener.clone()));
            (id, state.notice.take())
        };
        if let Some(event) = notice {
            let _ = listener.call1(&JsValue::UNDEFINED, &to_js(&event));
        }
        let weak: Weak<RefCell<State>> = Rc::downgrade(&self.0);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            if let Some(state) = weak.upgrade() {
                if let Ok(mut state) = state.try_borrow_mut() {
                    state.listeners.retain(|(k, _)| *k != id);
                }
            }
        });
        Ok(unsubscribe.into_js_value().unchecked_into())
    }

    /// Re-arms the timer, then delivers events and finished swaps — the JS
    /// calls happen after the borrow ends.
    fn settle(&self) {
        let (events, completions, listeners, outputs, save) = {
            let Ok(mut state) = self.0.try_borrow_mut() else {
                return;
            };
            let now = state.clock.now();
            let state = &mut *state;
            let (events, completions) = state.facade.step(&mut state.engine, now);
            self.arm(state);
            let taken = state.facade.take_output();
            if let Some(recorder) = &mut state.recorder {
                recorder.completions(&completions);
                recorder.outputs(&taken);
            }
            let outputs: Vec<(Function, Output)> = taken
                .into_iter()
                .filter_map(|(id, out)| {
                    let outlet = if out.end {
                        state.outlets.remove(&id)
                    } else {
                        state.outlets.get(&id).cloned()
                    };
                    outlet.map(|f| (f, out))
                })
                .collect();
            let completions: Vec<(Function, Response)> = completions
                .into_iter()
                .filter_map(|(ticket, response)| {
                    state.waiting.remove(&ticket).map(|r| (r, response))
                })
                .collect();
            let listeners: Vec<Function> = if events.is_empty() {
                Vec::new()
            } else {
                state.listeners.iter().map(|(_, f)| f.clone()).collect()
            };
            (
                events,
                completions,
                listeners,
                outputs,
                Self::snapshot_if_changed(state),
            )
        };
        if let Some(save) = save {
            // A full or throwing storage must not break the server: the state is
            // saved again at the next change.
            let _ = save();
        }
        // No listener, no conversion: most servers under test have none.
        for event in events.iter().filter(|_| !listeners.is_empty()) {
            let object = to_js(event);
            for listener in &listeners {
                // A listener that throws is its own problem: ignore and go on.
                let _ = listener.call1(&JsValue::UNDEFINED, &object);
            }
        }
        for (resolve, response) in completions {
            let _ = resolve.call1(&JsValue::UNDEFINED, &response_to_js(&response));
        }
        for (outlet, out) in outputs {
            super::fetch::deliver(&outlet, out);
        }
    }

    /// The save to make, if the state changed since the last one. The
    /// snapshot is taken now; `setItem` runs later, outside the borrow.
    fn snapshot_if_changed(state: &mut State) -> Option<impl FnOnce() -> Result<(), String>> {
        let revision = state.engine.revision();
        let now = state.clock.now();
        let manual = matches!(state.clock, Clock::Manual { .. });
        let text = match &state.persistence {
            // A manual clock's time is state too; a real clock's is not.
            Some(p)
                if p.saved
                    .is_none_or(|(r, t)| r != revision || (manual && t != now)) =>
            {
                state.engine.snapshot(now).to_json()
            }
            _ => return None,
        };
        let persistence = state.persistence.as_mut()?;
        persistence.saved = Some((revision, now));
        let key = persistence.key.clone();
        let storage = persistence.storage.clone();
        Some(move || storage.set(&key, &text))
    }

    /// Keeps exactly one JS timer armed for the engine's next deadline (real
    /// clock only), and none when nothing is pending.
    fn arm(&self, state: &mut State) {
        let Clock::Real { scale, .. } = state.clock else {
            return;
        };
        let Some(at) = next_deadline(state) else {
            state.timer = None;
            return;
        };
        if state.timer.as_ref().is_some_and(|armed| armed.at == at) {
            return;
        }
        // Clear the old timer before setting the new one: never two armed at once.
        state.timer = None;
        let delay = ((at - state.clock.now()) / scale)
            .ceil()
            .clamp(0.0, f64::from(i32::MAX)) as u32;
        let weak = Rc::downgrade(&self.0);
        let timeout = Timeout::new(delay, move || {
            if let Some(state) = weak.upgrade() {
                Driver(state).on_timer();
            }
        });
        state.timer = Some(Armed {
            at,
            _timeout: timeout,
        });
    }

    fn on_timer(&self) {
        {
            let Ok(mut state) = self.0.try_borrow_mut() else {
                return;
            };
            // This timer has fired; dropping it (while it runs) is safe and lets `arm` set the next.
            state.timer = None;
            let now = state.clock.now();
            state.engine.handle_timeout(now);
        }
        self.settle();
    }
}

/// The engine's next deadline, or an exchange's, whichever is first.
fn next_deadline(state: &State) -> Option<f64> {
    state.facade.next_deadline(&state.engine)
}
