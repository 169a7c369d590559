"""The civicshare plugin API for council service modules. Everything a plugin may use is listed here.

Declaring a module (`contract`)
    ServiceModule[S](code, title, summary, version, settings_model: type[S], services,
                     min_core_version="0.1", tenant_metadata_tables=None, routes=lambda: (),
                     synonyms={})                    (words residents type -> the services' words;
                                                      added to the platform's own search synonyms)
    ServiceDefinition[S](code, title, category, summary, steps, workflow, fee=None,
                         sla_working_days=None, counts_toward_channel_shift=True, online_only=False,
                         location_required=False, attachments=None, open311=None, on_submitted=None,
                         personal_data=PersonalData(), price=None, payment_kind="fee",
                         before_you_start=(), eligibility=(),
                         search_terms=(),            (everyday words the service is searched by)
                         duplicates_within_metres=50) (open reports this near a pin are offered to follow)
        fee(answers, settings) -> int pence | None
        price(settings) -> Price(pence, unit) | None      (the start page's price, before any answers)
        payment_kind: "fee" buys the service; "payment" pays what is owed (never called a fee)
        before_you_start: sentences, what the resident needs to hand
        eligibility: EligibilityRule(code, step, ineligible_when(answers so far, settings) -> bool,
                     title, reason, instead=()); answered(name=value, ...) builds the simple case
        sla_working_days(settings) -> int | None          (overrides workflow.sla_working_days)
        on_submitted(answers, settings, Submission) -> Mapping (stored with the transaction)
    FormStep(code, title, form: type[StepForm], condition: (earlier answers) -> bool | None)
    Category (home-page groups), Submission(reference, submitted_at, council), Answers (flat mapping)
    ENTRY_POINT_GROUP = "civicshare.modules": a plugin exposes a ServiceModule or a zero-arg factory.

Forms (`answers`, `location`, `messages`)
    StepForm: base model of one step (blank = unanswered, extra fields ignored, settings-driven choices)
    answer(label=, hint=, errors={"missing": ..., "invalid": ...}, choices_from=, options={value: words},
           personal=False, ...) -> Field   (options: the words for each value of a Literal/bool, in
           order; personal: about the resident, shown back only to the signed-in resident who sent it)
    AnswerError(field=message, ...): raise from validators to word an error on a question
    answer_context(info) -> AnswerContext(settings, today), Choice(value, label)
    LocationForm: the shared "where is it?" step, required by services with location_required
    answer(address="line" | "postcode" | "uprn"): an address in the council's area, found by postcode
        (`address`: address_questions(form) -> AddressQuestions(line, postcode, uprn) | None)
    field_errors(form_class, ValidationError) -> {field path: GOV.UK message}

Workflows (`workflow`, `workflows`)
    Workflow(states, initial, transitions, closing, rejecting, labels, sla_working_days)
        .transition(current, target, *, actor, reason=None) -> StatusChange  (raises WorkflowError:
         UnknownStatus, TransitionNotAllowed, DecisionIncomplete)
        .label(status, council_overrides) -> str
    report_workflow(sla_working_days=), application_workflow(sla_working_days=, paid=), payment_workflow()

Settings (`configuration`)
    ModuleSettings: base of settings models (state_labels, services_offered; extra keys refused)
    resolve_settings(module, group=, council=) -> S  (defaults < group < council; SettingsInvalid)
    settings_problems(module, group=, council=) -> [SettingsProblem(path, message)]

Loading (`registry`, `compatibility`)
    ModuleRegistry.discover(core_version=, found=None, tenant_metadata=None) -> ModuleRegistry
        .modules, .problems: [PluginProblem(name, reason)], .module(code), .service(code),
        .route_handlers()
    installed_core_version(), is_compatible(core_version, min_core_version)

Running a service (`flow`)
    check_step(step, data, settings=, today=) -> CheckedAnswers(answers, errors)
    check_answers(service, data, settings=, today=) -> CheckedAnswers
    steps_to_ask(service, answers), check_attachments(service, files)
    fee_for(service, answers, settings), sla_working_days(service, settings),
    start_price(service, settings), ineligible(service, answers, settings) -> EligibilityRule | None,
    respond_by(service, settings, submitted_at), status_label(service, status, settings),
    on_submitted(service, answers, settings, submission)

Personal data (`personal_data`)
    PersonalData(purpose=, lawful_basis=, shared_with=, personal_answers=None (every free text answer),
                 retention_months=24), personal_answers_of(forms, declared) -> frozenset of answer names

Supporting declarations: AttachmentPolicy/Attachment (`attachments`), Open311Service/Open311Attribute/
Open311Value (`open311`), is_working_day/add_working_days/due_date/uk_today (`working_days`),
normalise_postcode/UkPostcode/is_uk_phone_number/pounds_to_pence (`formats`).
"""

from civicshare.modules.address import AddressQuestions, address_questions
from civicshare.modules.answers import (
    AnswerContext,
    AnswerError,
    AnswerSpec,
    Choice,
    StepForm,
    answer,
    answer_context,
    answer_spec,
)
from civicshare.modules.attachments import Attachment, AttachmentPolicy
from civicshare.modules.compatibility import installed_core_version, is_compatible
from civicshare.modules.configuration import (
    ModuleSettings,
    SettingsInvalid,
    SettingsProblem,
    resolve_settings,
    settings_problems,
)
from civicshare.modules.contract import (
    ENTRY_POINT_GROUP,
    Answers,
    Category,
    EligibilityRule,
    FormStep,
    Price,
    ServiceDefinition,
    ServiceModule,
    Submission,
    answered,
)
from civicshare.modules.flow import (
    CheckedAnswers,
    check_answers,
    check_attachments,
    check_step,
    fee_for,
    ineligible,
    on_submitted,
    respond_by,
    sla_working_days,
    start_price,
    status_label,
    steps_to_ask,
)
from civicshare.modules.formats import UkPostcode, is_uk_phone_number, normalise_postcode, pounds_to_pence
from civicshare.modules.location import LocationForm
from civicshare.modules.messages import field_errors
from civicshare.modules.open311 import Open311Attribute, Open311Service, Open311Value
from civicshare.modules.personal_data import DEFAULT_RETENTION_MONTHS, PersonalData, personal_answers_of
from civicshare.modules.registry import ModuleRegistry, PluginProblem, UnknownModule, UnknownService
from civicshare.modules.workflow import (
    DecisionIncomplete,
    StatusChange,
    TransitionNotAllowed,
    UnknownStatus,
    Workflow,
    WorkflowError,
)
from civicshare.modules.workflows import application_workflow, payment_workflow, report_workflow
from civicshare.modules.working_days import add_working_days, due_date, is_working_day, uk_today

__all__ = [
    "DEFAULT_RETENTION_MONTHS",
    "ENTRY_POINT_GROUP",
    "AddressQuestions",
    "AnswerContext",
    "AnswerError",
    "AnswerSpec",
    "Answers",
    "Attachment",
    "AttachmentPolicy",
    "Category",
    "CheckedAnswers",
    "Choice",
    "DecisionIncomplete",
    "EligibilityRule",
    "FormStep",
    "LocationForm",
    "ModuleRegistry",
    "ModuleSettings",
    "Open311Attribute",
    "Open311Service",
    "Open311Value",
    "PersonalData",
    "PluginProblem",
    "Price",
    "ServiceDefinition",
    "ServiceModule",
    "SettingsInvalid",
    "SettingsProblem",
    "StatusChange",
    "StepForm",
    "Submission",
    "TransitionNotAllowed",
    "UkPostcode",
    "UnknownModule",
    "UnknownService",
    "UnknownStatus",
    "Workflow",
    "WorkflowError",
    "add_working_days",
    "address_questions",
    "answer",
    "answer_context",
    "answer_spec",
    "answered",
    "application_workflow",
    "check_answers",
    "check_attachments",
    "check_step",
    "due_date",
    "fee_for",
    "field_errors",
    "ineligible",
    "installed_core_version",
    "is_compatible",
    "is_uk_phone_number",
    "is_working_day",
    "normalise_postcode",
    "on_submitted",
    "payment_workflow",
    "personal_answers_of",
    "pounds_to_pence",
    "report_workflow",
    "resolve_settings",
    "respond_by",
    "settings_problems",
    "sla_working_days",
    "start_price",
    "status_label",
    "steps_to_ask",
    "uk_today",
]
