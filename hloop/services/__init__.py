"""The use-cases of HumanLoopML, one object each, composed into the one ``Services`` façade that the CLI, the
Gradio app and the REST routes receive:

- ``project`` (``Project``): settings, dataset, label set, the label store and the model registry;
- ``cold_start`` (``ColdStart``): the rows a version trains on, the dev set, what v1 waits for;
- ``models`` (``Models``): which version serves, cards, rollback, promotion;
- ``fitting`` (``Fitting``): training a version, the gate on dev, automatic retraining;
- ``predictions`` (``Predictions``): predict, explain, the model's guess on a label;
- ``batch`` (``BatchPredictions``): predicting many texts, and files of them;
- ``model_export`` (``ModelExport``): a version as a folder that predicts without HumanLoopML;
- ``labels`` (``Labels``): corrections, relabelling, undo, history, counters;
- ``pool`` (``PoolRanking``) and ``queue`` (``Queue``): the ranked pool, claims, submit and skip;
- ``transfer`` (``Transfer``): imports and exports;  ``backups`` (``Backups``): one archive and back;
- ``review`` (``Review``): suspect labels;  ``quality`` (``Quality``): agreement and live quality;
- ``monitoring`` (``Monitor``): live traffic against training and dev: label mix, text drift, estimated accuracy;
- ``embeddings`` (``Embeddings``): one stored vector per text, filled in the background; similar texts;
- ``finder`` (``Search``): search and filters over the pool and the labelled texts, and their index;
- ``like`` (``MoreLikeThis``): texts like a text or a result, by embedding or by its telling words;
- ``bulk`` (``BulkLabels``): one label for many search results at once, as one batch undone as one.

Each part receives the parts it needs and owns its own state. ``Services`` only builds them and forwards each of
its public names to one part (``FACADE`` lists them); the edges call nothing else (``tests/test_architecture.py``).
"""

from __future__ import annotations

from hloop.config import Settings
from hloop.core.models import AUTO, EMBEDDING_FAMILIES
from hloop.data.corpus import Corpus
from hloop.services.backups import Backups
from hloop.services.batch import BatchPredictions
from hloop.services.bulk import BulkLabels
from hloop.services.coldstart import ColdStart
from hloop.services.dataset import dataset_rows, dataset_spec
from hloop.services.embeddings import Embeddings
from hloop.services.fitting import Fitting
from hloop.services.labels import Labels
from hloop.services.model_export import ModelExport
from hloop.services.models import Models
from hloop.services.monitor import Monitor
from hloop.services.more_like_this import MoreLikeThis
from hloop.services.pool import PoolRanking
from hloop.services.predictions import Predictions
from hloop.services.project import Progress, Project
from hloop.services.quality import Quality
from hloop.services.queue import Queue
from hloop.services.records import EXPORT_COLUMNS, label_record, prediction_record
from hloop.services.review import Review
from hloop.services.search import Search
from hloop.services.transfer import Transfer


class _Forward:
    """A façade name answered by the same name of one part (read at each use: a part may replace it)."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, services: Services | None, owner: type | None = None):
        if services is None:
            return self
        return getattr(getattr(services, self.part), self.name)


class Services:
    """Everything a user can do, over one settings object; safe to share between threads. Each public name below
    is answered by one part (``FACADE``); ``project_summary`` and ``warm_queue`` combine several."""

    def __init__(self, settings: Settings, corpus: Corpus | None = None) -> None:
        self.project = project = Project(settings, corpus)
        self.embeddings = Embeddings(project)
        self.cold_start = ColdStart(project)
        self.models = Models(project, self.cold_start)
        self.fitting = Fitting(project, self.cold_start, self.models)
        self.predictions = Predictions(project, self.models)
        self.batch = BatchPredictions(project, self.models)
        self.model_export = ModelExport(project, self.models)
        self.labels = Labels(project, self.models, self.predictions, self.fitting)
        self.pool = PoolRanking(project, self.models, self.embeddings)
        self.queue = Queue(project, self.models, self.pool, self.predictions, self.labels)
        self.transfer = Transfer(project, self.embeddings)
        self.backups = Backups(project, self.pool, self.embeddings)
        self.review = Review(project, self.labels)
        self.quality = Quality(project)
        self.monitoring = Monitor(project, self.models, self.cold_start, self.quality)
        self.finder = Search(project, self.pool, self.predictions)
        self.bulk = BulkLabels(project, self.finder, self.fitting)
        self.like = MoreLikeThis(project, self.finder, self.embeddings)
        self.transfer.index_texts = self.finder.update_index
        self.fitting.embed = self.embeddings.embedded  # a retrain, the gate and evaluation read stored vectors
        self.predictions.neighbours = self.embeddings.neighbours

    # project
    settings = _Forward("project")
    label_set = _Forward("project")
    guidance = _Forward("project")
    corpus = _Forward("project")
    hygiene = _Forward("project")
    ensure_store = _Forward("project")
    store_problem = _Forward("project")
    is_dev = _Forward("project")
    # cold_start
    readiness = _Forward("cold_start")
    labels_needed = _Forward("cold_start")
    has_seed_labels = _Forward("cold_start")
    dev_set = _Forward("cold_start")
    # models
    current_version = _Forward("models")
    version_numbers = _Forward("models")
    legacy_versions = _Forward("models")
    trust_legacy = _Forward("models")
    card = _Forward("models")
    versions = _Forward("models")
    rollback = _Forward("models")
    promote = _Forward("models")
    check_current = _Forward("models")
    serving_version = _Forward("models")
    current_model = _Forward("models")
    model_notice = _Forward("models")
    # fitting
    train = _Forward("fitting")
    retrain = _Forward("fitting")
    maybe_auto_retrain = _Forward("fitting")
    auto_retrain_status = _Forward("fitting")
    wait_for_auto_retrain = _Forward("fitting")
    # predictions
    predict = _Forward("predictions")
    explain = _Forward("predictions")
    probabilities = _Forward("predictions")
    probabilities_of = _Forward("predictions")
    example_texts = _Forward("predictions")
    # batch
    predict_texts = _Forward("batch")
    predict_file = _Forward("batch")
    prediction_columns = _Forward("batch")
    export_model = _Forward("model_export")
    export_model_archive = _Forward("model_export")
    # labels
    feedback = _Forward("labels")
    label = _Forward("labels")
    undo = _Forward("labels")
    history = _Forward("labels")
    recent_activity = _Forward("labels")
    counters = _Forward("labels")
    progress = _Forward("labels")
    # queue
    next_item = _Forward("queue")
    submit_label = _Forward("queue")
    skip = _Forward("queue")
    take_back = _Forward("queue")
    ranked_pool = _Forward("queue")
    # pool
    queue_status = _Forward("pool")
    wait_for_scoring = _Forward("pool")
    # transfer
    import_texts = _Forward("transfer")
    export = _Forward("transfer")
    # backups
    backup = _Forward("backups")
    restore = _Forward("backups")
    # review
    suspects = _Forward("review")
    annotators = _Forward("review")
    keep_label = _Forward("review")
    relabel = _Forward("review")
    disagreements = _Forward("review")
    # quality
    agreement = _Forward("quality")
    live_quality = _Forward("quality")
    # monitor
    monitor = _Forward("monitoring")
    monitor_flags = _Forward("monitoring")
    # embeddings
    similar = _Forward("embeddings")
    # search and bulk labelling
    search = _Forward("finder")
    update_index = _Forward("finder")
    index_lag = _Forward("finder")
    more_like_this = _Forward("like")
    bulk_preview = _Forward("bulk")
    bulk_label = _Forward("bulk")
    undo_bulk = _Forward("bulk")
    bulk_batches = _Forward("bulk")

    end_workers = staticmethod(Fitting.end_workers)  # a class-level call too: the app calls it as it stops

    def project_summary(self) -> dict:
        """The dataset, the label set, where the eval metrics come from, and what v1 waits for."""
        corpus, hygiene = self.project.corpus(), self.project.hygiene()
        return {
            "title": self.project.settings.title,
            "dataset": corpus.source,
            "labels": self.project.label_set.to_list(),
            "eval_origin": corpus.eval_origin,
            "eval_texts": len(corpus.eval_texts),
            "train_texts": len(corpus.train_texts),
            "dropped_empty": corpus.dropped_empty,
            "hygiene": hygiene.to_dict(),
            "hygiene_lines": list(hygiene.lines()),
            "readiness": self.cold_start.readiness(),
        }

    def warm_queue(self) -> None:
        """Build the queue's first ranking, start the fit worker, the search index's catch-up and the embedding of
        texts not embedded yet now (the app calls it in a thread at start), so no request waits for any of them."""
        self.pool.warm()
        self.finder.update_index(wait=False)
        self.project.guarded_split("")  # the eval and dev texts' keys, read once: a first search does not wait
        self.fitting.warm_fit_worker()
        # the model uses embeddings (auto, or an embedding family): fill them now; a TF-IDF family's project only
        # tops up a store that keeps them already (``hloop embed`` ran on it), so no CPU goes to unused vectors
        model = self.project.settings.model
        self.embeddings.start_background(if_kept=not (model == AUTO or model in EMBEDDING_FAMILIES))

    def embedding_status(self) -> dict:
        """How many of the store's texts have a stored embedding, and how far a background filling got."""
        return self.embeddings.status()

    def embed_texts(self, progress: Progress | None = None) -> int:
        """Embed every stored text that has no stored embedding yet, here and now (``hloop embed``); how many."""
        self.embeddings.wait()  # a background filling of this process first: one writer at a time
        return self.embeddings.ensure(progress)


FACADE: dict[str, str] = {  # every public name the edges may call, with the part (or "services") that answers it
    name: value.part if isinstance(value, _Forward) else "services"
    for name, value in vars(Services).items()
    if not name.startswith("_")
}

__all__ = [
    "EXPORT_COLUMNS",
    "FACADE",
    "Progress",
    "Services",
    "dataset_rows",
    "dataset_spec",
    "label_record",
    "prediction_record",
]
