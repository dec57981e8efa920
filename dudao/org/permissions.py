"""What a person may do with the organisation tree and its people; views and endpoints ask only these."""

from .choices import Role


def can_manage_units(actor) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_active and actor.has_role(Role.ADMIN))


def can_manage_people(actor) -> bool:
    return can_manage_units(actor)


def can_manage_roles(actor) -> bool:
    return can_manage_units(actor)


def can_view_person(actor, person) -> bool:
    from .models import Person

    return Person.objects.visible_to(actor).filter(pk=person.pk).exists()
