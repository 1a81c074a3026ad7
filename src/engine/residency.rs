//! Residency in the engine (SPEC §5.4): admission decided before anything
//! changes (the queue, the count, capacity with LRU eviction), what `plan_load`
//! answers from those same checks, the idle models' two orders, expiry, and
//! starting queued jobs. The commands themselves stay in `engine.rs`.

use super::{started, Engine};
use crate::error::ApiError;
use crate::loader::Job;
use crate::model::{ModelSpec, Tier};
use crate::protocol::{
    Event, EvictReason, HotLoad, JobKind, JobStarted, Library, LoadModel, ModelState, Plan,
    PlanAdmitted, PlanRefused, PlanRequest, PullModel, Success,
};
use crate::repository::Entry;
use crate::residency::{Evict, Key};

/// What admission decided for a job (SPEC §5.4, step 4 acts on it).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Admission {
    /// Models to evict first, in order, and why.
    pub(super) evictions: Vec<(String, EvictReason)>,
    pub(super) queued: bool,
    /// 0: starts at once; else its place in the queue (1 = next).
    pub(super) position: usize,
}

/// What `load_model` meets: the active job (single flight), or an admission.
pub(super) enum LoadCheck {
    Deduplicated(JobStarted),
    Admitted(ModelSpec, Admission),
}

impl Engine {
    /// Everything that could refuse a hot_load, decided before anything changes.
    pub(super) fn check_hot_load(&self, h: &HotLoad) -> Result<Admission, ApiError> {
        if self.library.contains_key(&h.model_name) {
            return Err(ApiError::duplicate_model(&h.model_name, false));
        }
        if self.loader.is_loading(&h.model_name) {
            return Err(ApiError::duplicate_model(&h.model_name, true));
        }
        self.admit(JobKind::HotLoad, &h.spec)
    }

    /// `plan_load`: what the same request sent now would get, from the checks
    /// the request itself runs; nothing changes.
    pub(super) fn plan(&self, request: Result<PlanRequest, ApiError>) -> Plan {
        let planned = request.and_then(|request| match request {
            PlanRequest::HotLoad(h) => self
                .check_hot_load(&h)
                .map(|a| (JobKind::HotLoad, Some(h.spec.clone()), a)),
            PlanRequest::PullModel(p) => self
                .check_pull(&p)
                .map(|(spec, a)| (JobKind::Pull, Some(spec), a)),
            PlanRequest::LoadModel(l) => self.check_load(&l).map(|check| match check {
                LoadCheck::Admitted(spec, a) => (JobKind::Load, Some(spec), a),
                // Single flight: the active job would answer; nothing is admitted anew.
                LoadCheck::Deduplicated(answer) => (
                    JobKind::Load,
                    self.repository.get(&l.model_name).map(|e| e.spec.clone()),
                    Admission {
                        evictions: Vec::new(),
                        queued: answer.queue_position > 0,
                        position: answer.queue_position,
                    },
                ),
            }),
        });
        match planned {
            Ok((kind, Some(spec), admission)) => {
                let job = Job::new(kind, String::new(), String::new(), spec, None, 0.0);
                let answer = started(&job, admission.position);
                Plan::Admitted(PlanAdmitted {
                    status: Success::Success,
                    admitted: true,
                    kind,
                    evictions: admission.evictions.into_iter().map(|(n, _)| n).collect(),
                    queue_position: admission.position,
                    estimated_time: answer.estimated_time,
                    estimated_seconds: answer.estimated_seconds,
                })
            }
            Ok((_, None, _)) => Plan::Refused(PlanRefused::from(ApiError::job_not_found(false))),
            Err(e) => Plan::Refused(PlanRefused::from(e)),
        }
    }

    pub(super) fn check_pull(&self, p: &PullModel) -> Result<(ModelSpec, Admission), ApiError> {
        if self.repository.contains(&p.model_name) {
            let loading = self.loader.is_loading(&p.model_name);
            return Err(ApiError::duplicate_model(&p.model_name, loading));
        }
        let Some(spec) = p
            .spec
            .clone()
            .or_else(|| self.remote.get(&p.model_name).cloned())
        else {
            return Err(ApiError::not_in_remote(&p.model_name));
        };
        let admission = self.admit(JobKind::Pull, &spec)?;
        Ok((spec, admission))
    }

    pub(super) fn check_load(&self, l: &LoadModel) -> Result<LoadCheck, ApiError> {
        let name = &l.model_name;
        match (self.state(name), self.repository.get(name)) {
            (None, _) | (_, None) => Err(ApiError::model_not_found(name, self.repository.names())),
            (Some(ModelState::Ready), _) => Err(ApiError::already_loaded(name)),
            (Some(ModelState::Pulling), _) => Err(ApiError::model_loading(
                name,
                "load it once its pull has succeeded",
            )),
            (Some(ModelState::Loading), _) => {
                // Single flight: one load per model, however many ask.
                let job = self
                    .loader
                    .active_job(name)
                    .ok_or_else(|| ApiError::job_not_found(false))?;
                let mut answer = started(job, self.queue_place(job));
                answer.deduplicated = Some(true);
                Ok(LoadCheck::Deduplicated(answer))
            }
            (Some(ModelState::Available), Some(entry)) => {
                let admission = self.admit(JobKind::Load, &entry.spec)?;
                Ok(LoadCheck::Admitted(entry.spec.clone(), admission))
            }
        }
    }

    /// A queued job's place in the queue (1 = next), or 0.
    pub(super) fn queue_place(&self, job: &Job) -> usize {
        if job.queued {
            self.loader.queue_position(&job.id)
        } else {
            0
        }
    }

    /// Admission (SPEC §5.4), decided before anything changes: the queue,
    /// then the count of loaded models, then capacity, evicting idle models
    /// least recently used first where `evict` is `"lru"`.
    pub(super) fn admit(&self, kind: JobKind, spec: &ModelSpec) -> Result<Admission, ApiError> {
        let r = self.residency;
        let queued = r
            .parallel_loads
            .is_some_and(|slots| self.loader.running_count() >= slots);
        if queued && self.loader.queued_count() >= r.max_queue {
            return Err(ApiError::queue_full(r.max_queue));
        }
        let mut admission = Admission {
            evictions: Vec::new(),
            queued,
            position: if queued {
                self.loader.queued_count() + 1
            } else {
                0
            },
        };
        if kind == JobKind::Pull {
            return Ok(admission);
        }
        if let Some(max) = r.max_loaded {
            let loaded = self.library.len()
                + self
                    .loader
                    .active()
                    .filter(|j| j.kind != JobKind::Pull)
                    .count();
            let over = (loaded + 1).saturating_sub(max);
            if over > 0 {
                let idle: Vec<&str> = match r.evict {
                    Evict::Lru => self.idle_lru(None).take(over).collect(),
                    Evict::None => Vec::new(),
                };
                if idle.len() < over {
                    return Err(ApiError::too_many_models(max, loaded));
                }
                admission.evictions = idle
                    .into_iter()
                    .map(|n| (n.to_string(), EvictReason::MaxLoaded))
                    .collect();
            }
        }
        let freed = |evictions: &[(String, EvictReason)]| -> f64 {
            evictions
                .iter()
                .filter_map(|(n, _)| self.library.get(n))
                .filter(|m| m.tier == spec.tier)
                .map(|m| m.size_gb)
                .sum()
        };
        let mut usage = self.usage(spec.tier);
        let resident = usage.resident;
        usage.resident = resident - freed(&admission.evictions);
        if usage.admit(spec).is_ok() {
            return Ok(admission);
        }
        if r.evict == Evict::None {
            return usage.admit(spec).map(|()| admission);
        }
        let more: Vec<&str> = self
            .idle_lru(Some(spec.tier))
            .filter(|n| !admission.evictions.iter().any(|(e, _)| e == n))
            .collect();
        for name in more {
            admission
                .evictions
                .push((name.to_string(), EvictReason::Capacity));
            usage.resident = resident - freed(&admission.evictions);
            if usage.admit(spec).is_ok() {
                return Ok(admission);
            }
        }
        // Even with every idle model of the tier gone: the need and that limit.
        usage.admit(spec).map(|()| admission)
    }

    /// Idle models (of `tier`, if given), least recently used first.
    pub(super) fn idle_lru(&self, tier: Option<Tier>) -> impl Iterator<Item = &str> {
        self.lru
            .iter()
            .map(|(_, name)| name)
            .filter(move |name| self.is_idle(name))
            .filter(move |name| {
                tier.is_none_or(|t| self.library.get(*name).is_some_and(|m| m.tier == t))
            })
    }

    /// Ready, not pinned, not current, not the source or target of a swap.
    pub(super) fn is_idle(&self, name: &str) -> bool {
        self.library.contains_key(name)
            && !self.repository.get(name).is_some_and(|e| e.pinned)
            && !self.swaps.involves(name)
    }

    /// The keep-alive in force for a model (seconds; negative: never).
    pub(super) fn keep_alive_of(&self, entry: &Entry) -> f64 {
        entry.keep_alive.unwrap_or(self.residency.keep_alive)
    }

    /// When an idle model expires: `last_used + keep_alive`, or now if it
    /// becomes idle only after that.
    pub(super) fn expiry_of(&self, name: &str, now: f64) -> Option<f64> {
        let entry = self.repository.get(name)?;
        let seconds = self.keep_alive_of(entry);
        if seconds < 0.0 {
            return None;
        }
        let due = entry.last_used.unwrap_or(now) + seconds * 1000.0;
        Some(due.max(now))
    }

    /// Re-files `name` in the LRU order and the expiry order after anything
    /// about it changed at `now`.
    pub(super) fn touch(&mut self, name: &str, now: f64) {
        let Some(entry) = self.repository.get(name) else {
            self.lru.set(name, None);
            self.expiries.set(name, None);
            return;
        };
        let ready = self.library.contains_key(name);
        let seq = entry.seq;
        let lru = ready.then(|| Key {
            at: entry.last_used.unwrap_or(f64::NEG_INFINITY),
            seq,
        });
        // An expiry already filed keeps its instant while nothing else changed.
        let expiry = if self.is_idle(name) {
            let at = match self.expiries.get(name) {
                Some(key) if key.at <= now => Some(key.at),
                _ => self.expiry_of(name, now),
            };
            at.map(|at| Key { at, seq })
        } else {
            None
        };
        self.lru.set(name, lru);
        self.expiries.set(name, expiry);
    }

    pub(super) fn touch_all(&mut self, now: f64) {
        for name in self.repository.names() {
            self.touch(&name, now);
        }
    }

    /// Unloads the model whose keep-alive ran out first.
    pub(super) fn expire_next(&mut self) {
        let Some((key, name)) = self.expiries.first().map(|(k, n)| (k, n.to_string())) else {
            return;
        };
        self.revision += 1;
        if let Some(spec) = Library::make_mut(&mut self.library).shift_remove(&name) {
            self.metrics.expired();
            self.events.push(Event::ModelExpired {
                time: key.at,
                model_name: name.clone(),
                tier: spec.tier,
                freed_gb: spec.size_gb,
            });
        }
        self.touch(&name, key.at);
    }

    /// Starts queued jobs while a slot is free, at `at` (when a running job ended).
    pub(super) fn dequeue(&mut self, at: f64) {
        let Some(slots) = self.residency.parallel_loads else {
            return;
        };
        while self.loader.running_count() < slots {
            let Some(job) = self.loader.dequeue(at) else {
                break;
            };
            let waited = (at - job.admitted) / 1000.0;
            let (job_id, model_name) = (job.id.clone(), job.model_name.clone());
            self.metrics.dequeued(waited);
            self.events.push(Event::LoadDequeued {
                time: at,
                job_id,
                model_name,
            });
        }
    }

    /// `last_used + keep_alive` of a ready model that may expire (SPEC §5.4).
    pub(super) fn expires_at(&self, name: &str, entry: &Entry) -> Option<f64> {
        let seconds = self.keep_alive_of(entry);
        let ready = self.library.contains_key(name);
        match (ready, entry.last_used) {
            (true, Some(used)) if seconds >= 0.0 && !entry.pinned => Some(used + seconds * 1000.0),
            _ => None,
        }
    }
}
