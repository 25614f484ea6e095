"""Which page follows which, and when the Back and Next buttons may be used."""

from __future__ import annotations

from nanostudio.wizard.state import BuildStatus, Page, WizardState
from nanostudio.wizard.validation import page_problems


def is_busy(state: WizardState, page: Page) -> bool:
    """Work in progress that the page must wait for (no problem to show, yet)."""
    if page is Page.SOURCE:
        return state.inspecting or state.reading_edit
    if page is Page.TARGET:
        return state.taking_inventory
    if page is Page.DRIVERS:
        return bool(state.scanning_drivers)
    if page is Page.UPDATES:
        return bool(state.scanning_copies)
    if page is Page.SUMMARY:
        return state.checking_plan
    if page is Page.BUILD:
        return state.build_status.active
    return False


def can_go_next(state: WizardState, page: Page) -> bool:
    if page is Page.DONE or is_busy(state, page):
        return False
    if page is Page.BUILD:
        return state.build_status in (BuildStatus.SUCCEEDED, BuildStatus.FAILED)
    return not page_problems(state, page)


def can_go_back(state: WizardState, page: Page) -> bool:
    """Never during a build: the build page must stay in sight until it ends."""
    return page is not Page.WELCOME and not state.build_status.active


def next_page(state: WizardState, page: Page) -> Page | None:
    """The page after ``page``, or None when ``page`` is the last one."""
    if page is Page.DONE:
        return None
    following = Page(page + 1)
    if following is Page.TARGET and state.edit_image is not None:
        return Page.EDITION  # an edit keeps its image's drivers: no target to choose
    return following
