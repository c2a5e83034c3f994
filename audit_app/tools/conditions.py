"""Which questions an agency sees: limited to its kind, and shown only when their condition holds."""


def applies_to(question, agency_kind):
    """Whether the question is asked of agencies of this kind (every kind when it names none)."""
    return not question.agency_kinds or agency_kind is None or str(agency_kind) in question.agency_kinds


def condition_holds(condition, answers):
    """Whether a show-if condition holds for ``answers`` (question code -> value).

    A multiple-choice answer (a list) matches when any chosen value matches.
    """
    if not condition:
        return True
    value = answers.get(condition["question"])
    if value in (None, "", []):
        return False
    if condition["op"] == "answered":
        return True
    chosen = set(value) if isinstance(value, list) else {value}
    wanted = set(condition["value"]) if condition["op"] == "one_of" else {condition["value"]}
    return bool(chosen & wanted)


def visible_questions(version, agency_kind, answers):
    """The questions this agency sees given its answers, in order.

    Conditions refer only to earlier questions, so one pass in order is enough; a question whose condition
    depends on a hidden question is hidden too.

    :param answers: question code -> value.
    :return: a list of ``Question``.
    """
    shown, visible_codes = [], set()
    for question in version.ordered_questions():
        if not applies_to(question, agency_kind):
            continue
        condition = question.show_if
        if condition and (condition["question"] not in visible_codes or not condition_holds(condition, answers)):
            continue
        shown.append(question)
        visible_codes.add(question.code)
    return shown
