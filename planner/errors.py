"""The one error the engine raises for input it cannot plan with."""


class PlannerInputError(ValueError):
    """Invalid input, naming the field and what is wrong with it.

    ``field`` is a dotted path into the input (``activities[2].goal_quota``) so that an
    API or a form can put the message next to the right control.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
