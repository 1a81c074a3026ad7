//! The engine: one server's state and its one entry point, sans-IO.
//!
//! Call order, as in quinn-proto: [`Engine::handle`] for each request at the
//! caller's `now`; [`Engine::poll_timeout`] for the next deadline;
//! [`Engine::handle_timeout`] when the clock reaches it (calling it early is
//! harmless); then [`Engine::take_events`] and [`Engine::take_completions`] to
//! deliver what happened. The engine never reads a clock: time is an input in
//! ms since the epoch. The only instrument it reads is the stopwatch that
//! measures `selection_time_ms`, and it is injected.

use crate::capacity::{Capacity, Usage};
use crate::config::ServerConfig;
use crate::error::ApiError;
use crate::loader::{Ended, Job, Loader};
use crate::metrics::Metrics;
use crate::model::{ModelSpec, Tier};
use crate::persist::{Snapshot, SwapRecord};
use crate::protocol::{
    Body, Cancelled, Candidate, Command, Deleted, Event, HotLoad, JobKind, JobList, JobStarted,
    KeepAliveSet, Library, LoadModel, ModelList, ModelState, Pinned, Priority, PullModel,
    RepositoryList, RepositoryModel, Request, ResidencyReport, Response, Selected, Selection,
    Started, Success, SystemStatus, Unloaded,
};
use crate::repository::{Entry, Repository};
use crate::residency::{Order, Residency};
use crate::select::{choose, rank};
use crate::swap::{Swap, Swaps, Ticket};
use crate::text::{format_seconds, num, num2, quote, tidy};
use crate::validate::{parse_text, Rejection};
use indexmap::IndexMap;
use std::rc::Rc;

/// A monotonic clock in ms, used only to measure how long a selection takes.
pub type Stopwatch = Box<dyn Fn() -> f64>;

/// What a request gets: a response now, or one that waits for its hot-swap.
#[derive(Debug, Clone, PartialEq)]
// A reply is made once per request and taken apart at once: boxing the
// response would cost an allocation on every call.
#[allow(clippy::large_enum_variant)]
pub enum Reply {
    Now(Response),
    AfterSwap(Ticket),
}

mod residency;
use residency::{Admission, LoadCheck};

pub struct Engine {
    capacity: Capacity,
    /// The ready models, in library order (SPEC §2.3): what `list_models` shows.
    library: Library,
    /// Every known model, ready or not, in repository order (SPEC §5.1).
    repository: Repository,
    /// What `pull_model` fetches by name alone.
    remote: IndexMap<String, ModelSpec>,
    residency: Residency,
    /// Ready models, least recently used first (ties: repository order).
    lru: Order,
    /// Idle ready models that expire, soonest first.
    expiries: Order,
    loader: Loader,
    swaps: Swaps,
    metrics: Metrics,
    events: Vec<Event>,
    completions: Vec<(Ticket, Response)>,
    stopwatch: Stopwatch,
    /// Counts changes of state, so a driver saves only when something changed.
    revision: u64,
    /// `list_repository`'s models at a revision, shared until the next change.
    listing: Option<(u64, Rc<Vec<RepositoryModel>>)>,
}

impl Engine {
    pub fn new(config: &ServerConfig, stopwatch: Stopwatch) -> Engine {
        let mut engine = Engine {
            capacity: config.capacity,
            // With maxLoaded, the catalog's first models are loaded; the rest are known.
            library: Library::new(
                config
                    .catalog
                    .iter()
                    .take(config.residency.max_loaded.unwrap_or(usize::MAX))
                    .cloned()
                    .collect(),
            ),
            repository: catalog_repository(&config.catalog, config.start_time),
            remote: config.remote.iter().cloned().collect(),
            residency: config.residency,
            lru: Order::default(),
            expiries: Order::default(),
            loader: Loader::default(),
            swaps: Swaps::default(),
            metrics: Metrics::default(),
            events: Vec::new(),
            completions: Vec::new(),
            stopwatch,
            revision: 0,
            listing: None,
        };
        engine.touch_all(config.start_time);
        engine
    }

    /// Rebuilds an engine from saved state, with capacity from `config`.
    /// Refuses state that is inconsistent or no longer fits the capacity.
    pub fn restore(
        config: &ServerConfig,
        snapshot: Snapshot,
        stopwatch: Stopwatch,
    ) -> Result<Engine, String> {
        let history = snapshot.history();
        let mut library = IndexMap::with_capacity(snapshot.library.len());
        // Each entry was checked as it was read (persist); here, what spans entries.
        for (name, spec) in snapshot.library {
            if library.insert(name.clone(), spec).is_some() {
                return Err(format!("the saved library lists {} twice", quote(&name)));
            }
        }
        let swaps = snapshot
            .swaps
            .into_iter()
            .map(|s| Swap {
                ticket: s.ticket,
                from: s.from,
                to: s.to,
                seconds: s.seconds,
                start: s.start,
                end: s.end,
                response: None,
            })
            .collect();
        let mut repository = Repository::default();
        for (name, entry) in snapshot.repository {
            if repository.contains(&name) {
                return Err(format!("the saved repository lists {} twice", quote(&name)));
            }
            repository.insert(name, entry);
        }
        let mut engine = Engine {
            capacity: config.capacity,
            library: Library::new(library),
            repository,
            remote: config.remote.iter().cloned().collect(),
            residency: config.residency,
            lru: Order::default(),
            expiries: Order::default(),
            loader: Loader::restore(snapshot.jobs, history)?,
            swaps: Swaps::restore(snapshot.current_model, swaps),
            metrics: snapshot.metrics,
            events: Vec::new(),
            completions: Vec::new(),
            stopwatch,
            revision: 0,
            listing: None,
        };
        engine
            .check_consistent()
            .map_err(|broken| format!("the saved state is inconsistent: {broken}"))?;
        engine.touch_all(snapshot.saved_at);
        Ok(engine)
    }

    /// Everything needed to restore this engine later.
    pub fn snapshot(&self, now: f64) -> Snapshot {
        let (retained_finished, pruned_hashes, spent_ids) = self.loader.history().parts();
        Snapshot {
            saved_at: now,
            library: self
                .library
                .iter()
                .map(|(n, s)| (n.clone(), s.clone()))
                .collect(),
            // Saved in repository order; the sequence numbers are made anew on restore.
            repository: self
                .repository
                .iter()
                .map(|(n, e)| {
                    (
                        n.clone(),
                        Entry {
                            seq: 0,
                            ..e.clone()
                        },
                    )
                })
                .collect(),
            jobs: self.loader.jobs().cloned().collect(),
            current_model: self.swaps.current().map(str::to_owned),
            swaps: self
                .swaps
                .queued()
                .map(|s| SwapRecord {
                    ticket: s.ticket,
                    from: s.from.clone(),
                    to: s.to.clone(),
                    seconds: s.seconds,
                    start: s.start,
                    end: s.end,
                })
                .collect(),
            metrics: self.metrics.clone(),
            retained_finished,
            pruned_hashes,
            spent_ids,
        }
    }

    /// Changes so far; it moves whenever the state does.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Handles request text (JSON).
    pub fn handle_text(&mut self, text: &str, now: f64) -> Reply {
        match parse_text(text) {
            Ok(request) => self.handle(request, now),
            Err(rejection) => reject(rejection),
        }
    }

    /// Handles a validated request at `now`. A rejected request changes nothing.
    pub fn handle(&mut self, request: Request, now: f64) -> Reply {
        let Request { id, command } = request;
        let mutates = matches!(
            command,
            Command::HotLoad(_)
                | Command::Select(_)
                | Command::CancelLoad(_)
                | Command::UnloadModel(_)
                | Command::PullModel(_)
                | Command::LoadModel(_)
                | Command::DeleteModel(_)
                | Command::Pin(..)
                | Command::SetKeepAlive(..)
        );
        let result = match command {
            Command::HotLoad(h) => self.hot_load(h, now).map(Body::JobStarted),
            Command::LoadStatus(job_id) => {
                self.job(&job_id).map(|j| Body::JobStatus(j.status(now)))
            }
            Command::ListModels => Ok(Body::Models(self.list_models())),
            Command::Select(selection) => match self.select(selection, now) {
                Ok(Chosen::Now(body)) => {
                    self.touch(&body.model, now);
                    Ok(Body::Selected(body))
                }
                Ok(Chosen::AfterSwap { to, seconds, body }) => {
                    self.revision += 1;
                    let response = Response {
                        body: Body::Selected(body),
                        request_id: id,
                    };
                    let ticket = self.start_swap(to.clone(), seconds, now, response);
                    self.touch(&to, now);
                    return Reply::AfterSwap(ticket);
                }
                Err(e) => Err(e),
            },
            Command::CancelLoad(job_id) => self.cancel(&job_id, now).map(Body::Cancelled),
            Command::UnloadModel(name) => self.unload(&name, now).map(Body::Unloaded),
            Command::ListJobs => Ok(Body::Jobs(JobList {
                status: Success::Success,
                jobs: self.loader.jobs().map(|j| j.status(now)).collect(),
            })),
            Command::Metrics => Ok(Body::Metrics(
                self.metrics
                    .report(self.loader.active_count(), self.swaps.pending()),
            )),
            Command::SystemStatus => Ok(Body::System(self.system_status())),
            Command::PullModel(p) => self.pull(p, now).map(Body::JobStarted),
            Command::LoadModel(l) => self.load(l, now).map(Body::JobStarted),
            Command::DeleteModel(name) => self.delete(&name, now).map(Body::Deleted),
            Command::Pin(name, pinned) => self.pin(&name, pinned, now).map(Body::Pinned),
            Command::ListRepository => Ok(Body::Repository(self.list_repository())),
            Command::SetKeepAlive(name, seconds) => self
                .set_keep_alive(&name, seconds, now)
                .map(Body::KeepAlive),
            Command::PlanLoad(request) => Ok(Body::Plan(self.plan(request))),
        };
        Reply::Now(match result {
            Ok(body) => {
                if mutates {
                    self.revision += 1;
                }
                Response {
                    body,
                    request_id: id,
                }
            }
            Err(error) => Response::error(error, id),
        })
    }

    /// The earliest time at which [`Engine::handle_timeout`] has work.
    pub fn poll_timeout(&self) -> Option<f64> {
        [
            self.loader.next_deadline(),
            self.swaps.next_deadline(),
            self.expiries.first().map(|(key, _)| key.at),
        ]
        .into_iter()
        .flatten()
        .reduce(f64::min)
    }

    /// Ends every job, swap and keep-alive due at or before `now`, in
    /// deadline order (at one instant: loads, then swaps, then expiries).
    pub fn handle_timeout(&mut self, now: f64) {
        loop {
            let load = self.loader.next_deadline().filter(|&t| t <= now);
            let swap = self.swaps.next_deadline().filter(|&t| t <= now);
            let expiry = self
                .expiries
                .first()
                .map(|(k, _)| k.at)
                .filter(|&t| t <= now);
            let first = [load, swap, expiry].into_iter().flatten().reduce(f64::min);
            match first {
                None => break,
                Some(t) if load == Some(t) => self.end_job(now),
                Some(t) if swap == Some(t) => self.finish_swap(now),
                Some(_) => self.expire_next(),
            }
        }
    }

    /// Events since the last call, in the order they happened.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Responses of hot-swaps that have finished since the last call.
    pub fn take_completions(&mut self) -> Vec<(Ticket, Response)> {
        std::mem::take(&mut self.completions)
    }

    // --- read-only views, for drivers and tests ---

    pub fn library(&self) -> &IndexMap<String, ModelSpec> {
        &self.library
    }

    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.loader.jobs()
    }

    pub fn current_model(&self) -> Option<&str> {
        self.swaps.current()
    }

    pub fn usage(&self, tier: Tier) -> Usage {
        Usage {
            tier,
            total: self.capacity.total(tier),
            resident: self
                .library
                .values()
                .filter(|s| s.tier == tier)
                .fold(0.0, |sum, s| sum + s.size_gb),
            reserved: self
                .loader
                .active()
                .filter(|j| j.kind != JobKind::Pull && j.spec.tier == tier)
                .fold(0.0, |sum, j| sum + j.spec.size_gb),
        }
    }

    /// What any state must satisfy, restored state included: no tier holds
    /// more than its capacity, a name is never both listed and loading (nor
    /// loading twice), and the current and incoming models are listed.
    fn check_consistent(&self) -> Result<(), String> {
        for tier in Tier::ALL {
            let u = self.usage(tier);
            if u.resident + u.reserved > u.total + 1e-9 {
                return Err(format!(
                    "{} holds more than its capacity: {} resident + {} reserved of {} GB",
                    tier.as_str(),
                    num(u.resident),
                    num(u.reserved),
                    num(u.total)
                ));
            }
        }
        for name in self
            .library
            .keys()
            .chain(self.loader.active().map(|j| &j.model_name))
        {
            if !self.repository.contains(name) {
                return Err(format!("{name} is listed or loading but not known"));
            }
        }
        for (name, entry) in self.repository.iter() {
            if entry.provisional && !self.loader.is_loading(name) {
                return Err(format!(
                    "{name} is known only through a job that is not active"
                ));
            }
        }
        let mut loading = std::collections::HashSet::new();
        for job in self.loader.active() {
            if self.library.contains_key(&job.model_name)
                || !loading.insert(job.model_name.as_str())
            {
                return Err(format!("{} is listed or loading twice", job.model_name));
            }
        }
        let in_use = self
            .swaps
            .current()
            .into_iter()
            .chain(self.swaps.in_progress().map(|s| s.to.as_str()));
        for name in in_use {
            if !self.library.contains_key(name) {
                return Err(format!("the model in use, {name}, is not listed"));
            }
        }
        Ok(())
    }

    /// For property tests and fuzzers (feature `invariants`): the state is
    /// consistent, every progress is within [0, 1], the jobs counted active are
    /// those loading, and no job is loading past its deadline once the clock has
    /// been `settled` (`handle_timeout(now)` ran after the last request).
    #[cfg(feature = "invariants")]
    pub fn check_invariants(&self, now: f64, settled: bool) -> Result<(), String> {
        self.check_consistent()?;
        let mut loading = 0;
        for job in self.loader.jobs() {
            let p = job.progress(now);
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{} has progress {p}", job.id));
            }
            if !job.is_loading() {
                continue;
            }
            loading += 1;
            if job.queued {
                continue; // no deadline until it leaves the queue
            }
            let deadline = job.deadline();
            if deadline < now || (settled && deadline <= now) {
                return Err(format!("{} is still loading past its deadline", job.id));
            }
        }
        if loading != self.loader.active_count() {
            return Err(format!(
                "{loading} jobs loading, {} counted active",
                self.loader.active_count()
            ));
        }
        Ok(())
    }

    // --- commands ---

    fn hot_load(&mut self, h: HotLoad, now: f64) -> Result<JobStarted, ApiError> {
        let admission = self.check_hot_load(&h)?;
        let HotLoad {
            model_name,
            spec,
            simulate,
            keep_alive,
        } = h;
        // A known (available) model takes the new config; a new one is known
        // from now on, provisionally until its first job succeeds.
        match self.repository.get_mut(&model_name) {
            Some(entry) => entry.spec = spec.clone(),
            None => self
                .repository
                .insert(model_name.clone(), Entry::new(spec.clone(), true, now)),
        }
        if let Some(entry) = self.repository.get_mut(&model_name) {
            entry.keep_alive = keep_alive;
        }
        Ok(self.start_job(JobKind::HotLoad, model_name, spec, simulate, admission, now))
    }

    /// `pull_model`: to disk, from the remote catalog or with its own config.
    /// Pulls check and reserve no capacity (disks are unlimited here).
    fn pull(&mut self, p: PullModel, now: f64) -> Result<JobStarted, ApiError> {
        let (spec, admission) = self.check_pull(&p)?;
        self.repository
            .insert(p.model_name.clone(), Entry::new(spec.clone(), true, now));
        Ok(self.start_job(
            JobKind::Pull,
            p.model_name,
            spec,
            p.simulate,
            admission,
            now,
        ))
    }

    /// `load_model`: a known model into its tier (loading phase only).
    fn load(&mut self, l: LoadModel, now: f64) -> Result<JobStarted, ApiError> {
        let (spec, admission) = match self.check_load(&l)? {
            LoadCheck::Deduplicated(answer) => return Ok(answer),
            LoadCheck::Admitted(spec, admission) => (spec, admission),
        };
        if let Some(entry) = self.repository.get_mut(&l.model_name) {
            entry.keep_alive = l.keep_alive;
        }
        Ok(self.start_job(
            JobKind::Load,
            l.model_name,
            spec,
            l.simulate,
            admission,
            now,
        ))
    }

    /// Creates and starts a job after its admission: evicts what it chose,
    /// then runs or queues the job.
    fn start_job(
        &mut self,
        kind: JobKind,
        model_name: String,
        spec: ModelSpec,
        simulate: Option<crate::protocol::SimulatedFailure>,
        admission: Admission,
        now: f64,
    ) -> JobStarted {
        let seconds = (now / 1000.0).floor() as i64;
        let id = self.loader.mint_id(
            format!("{}_{model_name}_{seconds}", kind.id_prefix()),
            seconds,
        );
        for (evicted, reason) in admission.evictions {
            if let Some(m) = Library::make_mut(&mut self.library).shift_remove(&evicted) {
                self.metrics.evicted();
                self.events.push(Event::ModelEvicted {
                    time: now,
                    model_name: evicted.clone(),
                    tier: m.tier,
                    freed_gb: m.size_gb,
                    reason,
                    job_id: id.clone(),
                });
            }
            self.touch(&evicted, now);
        }
        let job = Job::new(kind, id, model_name, spec, simulate, now);
        let answer = started(&job, admission.position);
        self.events.push(Event::LoadStarted {
            time: now,
            job_id: job.id.clone(),
            model_name: job.model_name.clone(),
            estimated_seconds: answer.estimated_seconds,
            kind,
        });
        if admission.queued {
            self.events.push(Event::LoadQueued {
                time: now,
                job_id: job.id.clone(),
                model_name: job.model_name.clone(),
                position: admission.position,
            });
        }
        self.loader.start(job, admission.queued);
        self.metrics.load_started();
        answer
    }

    fn delete(&mut self, name: &str, now: f64) -> Result<Deleted, ApiError> {
        match self.state(name) {
            None => return Err(ApiError::model_not_found(name, self.repository.names())),
            Some(ModelState::Pulling | ModelState::Loading) => {
                return Err(ApiError::model_loading(name, "cancel its job first"))
            }
            Some(ModelState::Ready) => return Err(ApiError::model_resident(name)),
            Some(ModelState::Available) => {}
        }
        self.repository.remove(name);
        self.touch(name, now);
        self.events.push(Event::ModelDeleted {
            time: now,
            model_name: name.to_string(),
        });
        Ok(Deleted {
            status: Success::Success,
            model: name.to_string(),
        })
    }

    fn pin(&mut self, name: &str, pinned: bool, now: f64) -> Result<Pinned, ApiError> {
        let names = self.repository.names();
        let Some(entry) = self.repository.get_mut(name) else {
            return Err(ApiError::model_not_found(name, names));
        };
        entry.pinned = pinned;
        self.touch(name, now);
        Ok(Pinned {
            status: Success::Success,
            model: name.to_string(),
            pinned,
        })
    }

    /// `set_keep_alive`: the model's keep-alive from now on, in any state. A
    /// ready model counts it as a use (`last_used` = now), so that its
    /// keep-alive runs from this request, as a request's keep_alive does in Ollama.
    fn set_keep_alive(
        &mut self,
        name: &str,
        seconds: f64,
        now: f64,
    ) -> Result<KeepAliveSet, ApiError> {
        let ready = self.library.contains_key(name);
        let Some(entry) = self.repository.get_mut(name) else {
            return Err(ApiError::model_not_found(name, self.repository.names()));
        };
        entry.keep_alive = Some(seconds);
        if ready {
            entry.last_used = Some(now);
        }
        self.touch(name, now);
        let entry = self.repository.get(name);
        Ok(KeepAliveSet {
            status: Success::Success,
            model: name.to_string(),
            keep_alive: entry.map_or(seconds, |e| self.keep_alive_of(e)),
            expires_at: entry.and_then(|e| self.expires_at(name, e)),
        })
    }

    /// The listing, made once per revision: it changes only when the state does.
    fn list_repository(&mut self) -> RepositoryList {
        let models = match &self.listing {
            Some((revision, models)) if *revision == self.revision => Rc::clone(models),
            _ => {
                let models = Rc::new(self.repository_models());
                self.listing = Some((self.revision, Rc::clone(&models)));
                models
            }
        };
        RepositoryList {
            status: Success::Success,
            total_models: models.len(),
            models,
        }
    }

    fn repository_models(&self) -> Vec<RepositoryModel> {
        self.repository
            .iter()
            .map(|(name, entry)| RepositoryModel {
                name: name.clone(),
                size_gb: entry.spec.size_gb,
                tier: entry.spec.tier,
                capabilities: entry.spec.capabilities.clone(),
                state: self.state(name).unwrap_or(ModelState::Available),
                pinned: entry.pinned,
                keep_alive: self.keep_alive_of(entry),
                last_used: entry.last_used,
                expires_at: self.expires_at(name, entry),
                job_id: self.loader.active_job(name).map(|j| j.id.clone()),
                last_error: entry.last_error.clone(),
                modified_at: entry.modified,
            })
            .collect()
    }

    /// A known model's state, derived from the library and the loader.
    fn state(&self, name: &str) -> Option<ModelState> {
        if !self.repository.contains(name) {
            return None;
        }
        Some(if self.library.contains_key(name) {
            ModelState::Ready
        } else {
            match self.loader.active_job(name).map(|j| j.kind) {
                Some(JobKind::Pull) => ModelState::Pulling,
                Some(JobKind::HotLoad | JobKind::Load) => ModelState::Loading,
                None => ModelState::Available,
            }
        })
    }

    /// A job ended without success: a model known only through it is
    /// forgotten; one known before keeps the error.
    fn job_failed(&mut self, model_name: &str, error: &str) {
        match self.repository.get_mut(model_name) {
            Some(entry) if entry.provisional => {
                self.repository.remove(model_name);
            }
            Some(entry) => entry.last_error = Some(error.to_string()),
            None => {}
        }
    }

    fn job(&self, job_id: &str) -> Result<&Job, ApiError> {
        self.loader
            .get(job_id)
            .ok_or_else(|| ApiError::job_not_found(self.loader.was_pruned(job_id)))
    }

    fn list_models(&self) -> ModelList {
        ModelList {
            status: Success::Success,
            models: Library::clone(&self.library),
            total_models: self.library.len(),
            active_hot_loads: self.loader.active_count(),
        }
    }

    fn available(&self) -> Vec<String> {
        self.library.keys().cloned().collect()
    }

    fn select(&mut self, selection: Selection, now: f64) -> Result<Chosen, ApiError> {
        let started = (self.stopwatch)();
        let mut candidates = None;
        let (name, spec, reason) = match &selection {
            Selection::Named(name) => {
                if self.state(name) == Some(ModelState::Loading) {
                    return Err(ApiError::model_loading(
                        name,
                        "select it once its job has succeeded",
                    ));
                }
                let Some((name, spec)) = self.library.get_key_value(name.as_str()) else {
                    if self.repository.contains(name) {
                        return Err(ApiError::model_not_loaded(name, self.available()));
                    }
                    return Err(ApiError::model_not_found(name, self.available()));
                };
                (
                    name.clone(),
                    spec.clone(),
                    format!("Explicit request for {name}"),
                )
            }
            Selection::ByNeed {
                capabilities,
                priority,
                explain,
            } => {
                let Some((name, spec, score)) =
                    choose(self.library.iter(), capabilities, *priority)
                else {
                    return Err(ApiError::no_capable_model(capabilities, self.available()));
                };
                if *explain {
                    let ranked = rank(self.library.iter(), capabilities, *priority, name);
                    candidates = Some(
                        ranked
                            .into_iter()
                            .map(|(model, score, priority_score)| Candidate {
                                model: model.clone(),
                                score: tidy(score),
                                matched_capabilities: capabilities.len(),
                                priority_score: tidy(priority_score),
                            })
                            .collect(),
                    );
                }
                // "Best quality match for chat: llama-7b (score 2.2, swap tier, 7 GB)",
                // without format!: selections are frequent.
                let mut reason = String::with_capacity(96);
                for part in [
                    "Best ",
                    match priority {
                        Priority::Speed => "speed",
                        Priority::Quality => "quality",
                        Priority::Balanced => "balanced",
                    },
                    " match for ",
                    &capabilities.join(", "),
                    ": ",
                    name,
                    " (score ",
                    &num2(score),
                    ", ",
                    spec.tier.as_str(),
                    " tier, ",
                    &num(spec.size_gb),
                    " GB)",
                ] {
                    reason.push_str(part);
                }
                (name.clone(), spec.clone(), reason)
            }
        };
        let selection_time_ms = ((self.stopwatch)() - started).max(0.0);
        if let Some(entry) = self.repository.get_mut(&name) {
            entry.last_used = Some(now);
        }
        self.metrics.selection(selection_time_ms);
        let swap = match self.swaps.target() {
            None => {
                self.swaps.set_current(name.clone());
                false
            }
            Some(target) => target != name,
        };
        let swap_time = if swap { tidy(spec.swap_seconds()) } else { 0.0 };
        let body = Selected {
            status: Success::Success,
            model: name.clone(),
            size_gb: spec.size_gb,
            tier: spec.tier,
            capabilities: spec.capabilities,
            selection_reason: reason,
            selection_time_ms,
            swap_executed: swap,
            swap_time,
            performance_target_met: selection_time_ms < 10.0 && (!swap || swap_time < 30.0),
            candidates,
        };
        Ok(if swap {
            Chosen::AfterSwap {
                to: name,
                seconds: swap_time,
                body,
            }
        } else {
            Chosen::Now(body)
        })
    }

    fn start_swap(&mut self, to: String, seconds: f64, now: f64, response: Response) -> Ticket {
        let queued = self.swaps.queue(to.clone(), seconds, now, response);
        if queued.starts_now {
            self.events.push(Event::SwapStarted {
                time: now,
                from: queued.from,
                to,
                swap_time: seconds,
            });
        }
        queued.ticket
    }

    fn cancel(&mut self, job_id: &str, now: f64) -> Result<Cancelled, ApiError> {
        let job = self.job(job_id)?;
        if !job.is_loading() {
            let state = job.status(now).status.as_str();
            return Err(ApiError::job_not_active(job_id, state));
        }
        let job = self
            .loader
            .cancel(job_id, now)
            .ok_or_else(|| ApiError::job_not_found(false))?;
        let progress = tidy(job.progress(now));
        self.metrics.load_failed(true);
        self.job_failed(&job.model_name, "cancelled");
        self.events.push(Event::LoadFailed {
            time: now,
            job_id: job.id.clone(),
            model_name: job.model_name.clone(),
            error: String::from("cancelled"),
            cancelled: true,
            progress,
            kind: job.kind,
        });
        if !job.queued {
            self.dequeue(now);
        }
        Ok(Cancelled {
            status: Success::Success,
            job_id: job.id,
            model_name: job.model_name,
            cancelled: true,
            progress,
        })
    }

    fn unload(&mut self, name: &str, now: f64) -> Result<Unloaded, ApiError> {
        if self.loader.is_loading(name) {
            return Err(ApiError::model_loading(name, "cancel its job instead"));
        }
        if !self.library.contains_key(name) {
            return Err(ApiError::model_not_found(name, self.available()));
        }
        if self.swaps.in_use(name) {
            return Err(ApiError::model_in_use(name));
        }
        let Some(spec) = Library::make_mut(&mut self.library).shift_remove(name) else {
            return Err(ApiError::model_not_found(name, self.available()));
        };
        self.touch(name, now);
        self.events.push(Event::ModelUnloaded {
            time: now,
            model_name: name.to_string(),
            freed_gb: spec.size_gb,
        });
        Ok(Unloaded {
            status: Success::Success,
            model: name.to_string(),
            freed_gb: spec.size_gb,
            tier: spec.tier,
        })
    }

    fn system_status(&self) -> SystemStatus {
        SystemStatus {
            status: Success::Success,
            ram: self.usage(Tier::Ram).report(),
            swap: self.usage(Tier::Swap).report(),
            current_model: self.swaps.current().map(str::to_owned),
            swapping_to: self.swaps.in_progress().map(|s| s.to.clone()),
            total_models: self.library.len(),
            active_hot_loads: self.loader.active_count(),
            queued_loads: self.loader.queued_count(),
            residency: ResidencyReport {
                max_loaded: self.residency.max_loaded,
                evict: self.residency.evict,
                keep_alive: self.residency.keep_alive,
                parallel_loads: self.residency.parallel_loads,
                max_queue: self.residency.max_queue,
            },
        }
    }

    // --- deadlines ---

    fn end_job(&mut self, now: f64) {
        self.revision += 1;
        match self.loader.end_next_due(now) {
            Some(Ended::Succeeded(job)) => {
                let time = job.deadline();
                let seconds = tidy(job.total_ms() / 1000.0);
                self.metrics.load_succeeded(seconds);
                let ready = job.kind != JobKind::Pull;
                if let Some(entry) = self.repository.get_mut(&job.model_name) {
                    entry.provisional = false;
                    entry.last_error = None;
                    if job.kind != JobKind::Load {
                        entry.modified = time;
                    }
                    if ready {
                        entry.last_used = Some(time);
                    }
                }
                if ready {
                    Library::make_mut(&mut self.library).insert(job.model_name.clone(), job.spec);
                }
                self.touch(&job.model_name, time);
                self.dequeue(time);
                self.events.push(Event::LoadSucceeded {
                    time,
                    job_id: job.id,
                    model_name: job.model_name,
                    load_time_s: seconds,
                    kind: job.kind,
                });
            }
            Some(Ended::Failed(job)) => {
                let time = job.deadline();
                let progress = tidy(job.progress(time));
                let error = job.fail.map(|f| f.error).unwrap_or_default();
                self.metrics.load_failed(false);
                self.job_failed(&job.model_name, &error);
                self.dequeue(time);
                self.events.push(Event::LoadFailed {
                    time,
                    job_id: job.id,
                    model_name: job.model_name,
                    error,
                    cancelled: false,
                    progress,
                    kind: job.kind,
                });
            }
            None => {}
        }
    }

    fn finish_swap(&mut self, now: f64) {
        let Some(swap) = self.swaps.finish_due(now) else {
            return;
        };
        self.metrics.swap_finished(swap.seconds);
        self.touch(&swap.from, swap.end);
        self.touch(&swap.to, swap.end);
        self.events.push(Event::SwapFinished {
            time: swap.end,
            from: swap.from,
            to: swap.to,
            swap_time: swap.seconds,
        });
        self.revision += 1;
        if let Some(response) = swap.response {
            self.completions.push((swap.ticket, response));
        }
        if let Some(next) = self.swaps.in_progress() {
            self.events.push(Event::SwapStarted {
                time: next.start,
                from: next.from.clone(),
                to: next.to.clone(),
                swap_time: next.seconds,
            });
        }
    }
}

enum Chosen {
    Now(Selected),
    AfterSwap {
        to: String,
        seconds: f64,
        body: Selected,
    },
}

fn reject(rejection: Rejection) -> Reply {
    Reply::Now(Response::error(rejection.error, rejection.request_id))
}

/// The repository a catalog starts: every model known, ready since `start`.
fn catalog_repository(catalog: &[(String, ModelSpec)], start: f64) -> Repository {
    let mut repository = Repository::default();
    for (name, spec) in catalog {
        let mut entry = Entry::new(spec.clone(), false, start);
        entry.last_used = Some(start);
        repository.insert(name.clone(), entry);
    }
    repository
}

/// A job's admission answer.
fn started(job: &Job, queue_position: usize) -> JobStarted {
    let estimated_seconds = tidy(job.total_ms() / 1000.0);
    JobStarted {
        status: Started::of(job.kind),
        job_id: job.id.clone(),
        model_name: job.model_name.clone(),
        estimated_time: format_seconds(estimated_seconds),
        estimated_seconds,
        queue_position,
        deduplicated: None,
    }
}
