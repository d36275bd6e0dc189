"""The closed vocabularies of the write path: what a unit of work does, who may do it,
and why an operation was refused or what it did.

Every change is recorded under an :class:`Action`; every result carries a
:class:`Reason`. Both are closed: a value outside them is a programming error caught
by :class:`forum_core.db.Unit` and :class:`forum_core.validation.Outcome`, and each
member has a catalog entry (``action.<value>``, ``reason.<value>``) in ``ka`` and
``en`` (``tests/unit/test_vocabulary.py`` fails when one lacks it). Pages turn
reasons into words; the audit page turns actions into words.
"""

from __future__ import annotations

from enum import StrEnum

ROLES = ("organizer", "desk", "facilitator", "expert", "moderator", "projector", "public")
GROUP_ROLES = ("facilitator", "expert")  # signed in for one working group
SEES_PERSONAL_DATA = ("organizer", "desk")  # phones, birth years, communities, needs


class Action(StrEnum):
    """What a unit of work (or one of its audit entries) does."""

    # access
    ACCESS_CODE_CREATE = "access.code_create"
    ACCESS_CODE_REVOKE = "access.code_revoke"
    ACCESS_SIGN_IN = "access.sign_in"
    ACCESS_SIGN_IN_FAILED = "access.sign_in_failed"
    ACCESS_DEVICE_REVOKE = "access.device_revoke"
    ACCESS_SIGN_OUT = "access.sign_out"
    # the forum and its groups
    FORUM_CREATE = "forum.create"
    FORUM_UPDATE = "forum.update"
    FORUM_SELECT = "forum.select"
    GROUPS_SAVE = "groups.save"
    GROUP_DELETE = "group.delete"
    PROGRAMS_SAVE = "programs.save"
    POPULATION_SAVE = "population.save"  # the municipality's population by gender and age band
    DEMO_LOAD = "demo.load"
    # participants
    PARTICIPANTS_IMPORT = "participants.import"
    PARTICIPANT_ADD = "participant.add"
    PARTICIPANT_UPDATE = "participant.update"
    PARTICIPANT_MOVE = "participant.move"
    PARTICIPANT_REMOVE = "participant.remove"
    TOKEN_REISSUE = "token.reissue"
    # registration
    CHECKIN_SCAN = "checkin.scan"
    CHECKIN_CAMERA = "checkin.camera"
    CHECKIN_NAME = "checkin.name"
    CHECKIN_PAPER = "checkin.paper"
    CHECKIN_FACILITATOR = "checkin.facilitator"
    CHECKIN_CHECK_IN = "checkin.check_in"
    CHECKIN_UNDO = "checkin.undo"
    CHECKIN_WALK_IN = "checkin.walk_in"
    # group work
    ASSESSMENT_ADD = "assessment.add"
    ASSESSMENT_EDIT = "assessment.edit"
    ASSESSMENT_MOVE = "assessment.move"
    ASSESSMENT_DELETE = "assessment.delete"
    PROBLEM_ADD = "problem.add"
    PROBLEM_EDIT = "problem.edit"
    PROBLEM_DELETE = "problem.delete"
    PROBLEM_MERGE = "problem.merge"
    PROBLEM_FLAG = "problem.flag"
    VOTE_COUNT = "vote.count"
    VOTE_REVOTE = "vote.revote"
    VOTE_DECIDE = "vote.decide"
    VOTE_FINALISE = "vote.finalise"
    VOTE_REOPEN = "vote.reopen"
    VOTE_PHOTO = "vote.photo"  # a photo of the board with the pebbles, kept with the counts
    VOTE_RECOUNT = "vote.recount"  # a second person's blind count
    INITIATIVE_SAVE = "initiative.save"
    GROUP_PRESENTER = "group.presenter"
    GROUP_REVOTE = "group.revote"
    GROUP_TIE_DECISION = "group.tie_decision"
    GROUP_FINALISE = "group.finalise"
    GROUP_REOPEN = "group.reopen"
    # plenary (the moderator's commands)
    PLENARY_MODE = "plenary.mode"
    PLENARY_ORDER = "plenary.order"
    PLENARY_PRESENT = "plenary.present"
    PLENARY_REVEAL = "plenary.reveal"
    PLENARY_SLOT = "plenary.slot"
    PLENARY_TIMER_START = "plenary.timer_start"
    PLENARY_TIMER_PAUSE = "plenary.timer_pause"
    PLENARY_TIMER_RESET = "plenary.timer_reset"
    PLENARY_PAGE = "plenary.page"  # the next page of a screen too long for one
    # after the forum
    REPORT_SYNC = "report.sync"
    REPORT_EDIT = "report.edit"
    REPORT_MERGE = "report.merge"
    REPORT_ORDER = "report.order"
    REPORT_ORGANIZERS = "report.organizers"
    REPORT_ANSWER = "report.answer"
    BACKUP_MAKE = "backup.make"  # a backup a person made: it holds everyone's personal data
    BACKUP_RESTORE = "backup.restore"


class Reason(StrEnum):
    """Why an operation ended as it did (closed, like pretix's check-in reasons)."""

    # done
    SAVED = "saved"
    ADDED = "added"
    CREATED = "created"
    DELETED = "deleted"
    REMOVED = "removed"
    MOVED = "moved"
    MERGED = "merged"
    UNMERGED = "unmerged"
    FLAGGED = "flagged"
    UNFLAGGED = "unflagged"
    COUNTED = "counted"
    FINALISED = "finalised"
    REOPENED = "reopened"
    REVOKED = "revoked"
    IMPORTED = "imported"
    UNDONE = "undone"
    PRESENT = "present"
    ABSENT = "absent"
    TAKEN_IN = "taken_in"
    PRESENTER_SET = "presenter_set"
    REVOTE_STARTED = "revote_started"
    TIE_DECIDED = "tie_decided"
    WALK_IN_REGISTERED = "walk_in_registered"
    UNCHANGED = "unchanged"
    # check-in results (the desk card's colour)
    CHECKED_IN = "checked_in"
    ALREADY_CHECKED_IN = "already_checked_in"
    UNKNOWN_CODE = "unknown_code"
    INVALID_CODE = "invalid_code"
    REPLACED_CODE = "replaced_code"
    # plenary commands (the outcome names the command it recorded)
    MODE = "mode"
    ORDER = "order"
    REVEAL = "reveal"
    SLOT = "slot"
    TIMER_START = "timer_start"
    TIMER_PAUSE = "timer_pause"
    TIMER_RESET = "timer_reset"
    PAGE = "page"
    # refused
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    OUTSIDE_GROUP = "outside_group"
    SIGNED_OUT = "signed_out"  # the device was signed out (revoked, or its day is over)
    STALE = "stale"
    LOCKED = "locked"
    CANNOT_MERGE = "cannot_merge"
    NOT_CHECKED_IN = "not_checked_in"
    NOT_OWN_CHECK_IN = "not_own_check_in"
    NOT_PRESENT = "not_present"
    NOT_FINALISED = "not_finalised"
    NO_VOTES = "no_votes"
    TIE_UNRESOLVED = "tie_unresolved"
    BAD_MODE = "bad_mode"
    END_OF_ORDER = "end_of_order"
    LAST_ORGANIZER_CODE = "last_organizer_code"
    FILE_PROBLEM = "file_problem"
    HAS_INVALID = "has_invalid"
    NOTHING_TO_IMPORT = "nothing_to_import"
    NOT_AN_IMAGE = "not_an_image"
    IMAGE_TOO_LARGE = "image_too_large"
    # the laptop could not store it (nothing of it is saved; see forum_core.db.StorageError)
    STORAGE_FULL = "storage_full"
    STORAGE_UNWRITABLE = "storage_unwritable"


_GROUP_WORK = frozenset({"organizer", "facilitator", "expert"})
_DESK = frozenset({"organizer", "desk"})
_STAGE = frozenset({"organizer", "moderator"})
_EVERYONE = frozenset(ROLES)
_ORGANIZER = frozenset({"organizer"})

# Which roles may make each change. Explicit for every action: a new action without a
# rule fails tests/unit/test_vocabulary.py instead of silently becoming the organizer's.
PERMISSIONS: dict[Action, frozenset[str]] = {
    Action.ACCESS_SIGN_IN: _EVERYONE,
    Action.ACCESS_SIGN_IN_FAILED: _EVERYONE,
    Action.ACCESS_SIGN_OUT: _EVERYONE,
    Action.CHECKIN_SCAN: _DESK,
    Action.CHECKIN_CAMERA: _DESK,
    Action.CHECKIN_NAME: _DESK,
    Action.CHECKIN_PAPER: _DESK,
    Action.CHECKIN_CHECK_IN: _DESK | _GROUP_WORK,
    Action.CHECKIN_WALK_IN: _DESK,
    Action.CHECKIN_FACILITATOR: _GROUP_WORK,  # who is here, ticked in the room
    Action.CHECKIN_UNDO: _DESK | _GROUP_WORK,
    Action.VOTE_PHOTO: _GROUP_WORK,
    Action.VOTE_RECOUNT: _GROUP_WORK,
    Action.PARTICIPANT_MOVE: _GROUP_WORK,  # a person who came to this room instead of their own
    Action.VOTE_REOPEN: _ORGANIZER,
    Action.GROUP_REOPEN: _ORGANIZER,
    **{
        a: _GROUP_WORK
        for a in Action
        if a.value.split(".")[0] in ("assessment", "problem", "vote", "initiative") and a is not Action.VOTE_REOPEN
    },
    **dict.fromkeys(
        (Action.GROUP_PRESENTER, Action.GROUP_REVOTE, Action.GROUP_TIE_DECISION, Action.GROUP_FINALISE), _GROUP_WORK
    ),
    **{a: _STAGE for a in Action if a.value.startswith("plenary.")},
    **dict.fromkeys(
        (
            Action.ACCESS_CODE_CREATE,
            Action.ACCESS_CODE_REVOKE,
            Action.ACCESS_DEVICE_REVOKE,
            Action.FORUM_CREATE,
            Action.FORUM_UPDATE,
            Action.FORUM_SELECT,
            Action.GROUPS_SAVE,
            Action.GROUP_DELETE,
            Action.PROGRAMS_SAVE,
            Action.POPULATION_SAVE,
            Action.DEMO_LOAD,
            Action.PARTICIPANTS_IMPORT,
            Action.PARTICIPANT_ADD,
            Action.PARTICIPANT_UPDATE,
            Action.PARTICIPANT_REMOVE,
            Action.TOKEN_REISSUE,
            Action.REPORT_SYNC,
            Action.REPORT_EDIT,
            Action.REPORT_MERGE,
            Action.REPORT_ORDER,
            Action.REPORT_ORGANIZERS,
            Action.REPORT_ANSWER,
            Action.BACKUP_MAKE,
            Action.BACKUP_RESTORE,
        ),
        _ORGANIZER,
    ),
}

# The actions that change one working group's work: a facilitator or expert may make
# them only in their own group (the unit of work checks the group, see db.Unit.in_group).
GROUP_SCOPED = frozenset(a for a, roles in PERMISSIONS.items() if "facilitator" in roles and roles != _EVERYONE)


def may_write(role: str, action: str) -> bool:
    try:
        return role in PERMISSIONS[Action(action)]
    except ValueError:
        return False


def sees_personal_data(role: str) -> bool:
    return role in SEES_PERSONAL_DATA
