//! Every action a key can trigger, by the context it belongs to (the canvas, the drawer, a
//! list, a search list, a form, a question, a panel, revisions, the LoadBalancer panel, the
//! spaces view), with the name `[keys]` binds it by and what it does. One static table: the
//! help, the palette and the keymap read it; nothing rebuilds it per keystroke.

use crate::app::geometry::Direction;

/// Where a key is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Canvas,
    /// The open drawer, over the canvas.
    Drawer,
    /// A list moved through with keys: revisions, the spaces view's lists, a panel's lines.
    List,
    /// A list filtered by typing: the palette, the environment switcher, pick lists.
    Search,
    Form,
    /// A yes/no question: `y` (or its keys) says yes, anything else no.
    Confirm,
    /// A panel over the canvas: help, detail, analysis.
    Panel,
    Revisions,
    LoadBalancer,
    Spaces,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Canvas => "canvas",
            Context::Drawer => "timeline drawer",
            Context::List => "lists and panels",
            Context::Search => "palette, switcher and pick lists",
            Context::Form => "forms",
            Context::Confirm => "questions",
            Context::Panel => "panels",
            Context::Revisions => "revisions",
            Context::LoadBalancer => "LoadBalancer panel",
            Context::Spaces => "spaces view",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    // canvas
    Select(Direction),
    Next,
    Previous,
    NextUnhealthy,
    Move(Direction),
    MoveFar(Direction),
    Pan(Direction),
    ZoomIn,
    ZoomOut,
    ZoomReset,
    ZoomFit,
    SwitchEnvironment,
    Filter,
    Palette,
    Help,
    Open,
    Undo,
    Redo,
    Reload,
    Timeline,
    LoadBalancer,
    Revisions,
    Analyze,
    TearDown,
    EditConfigs,
    Create,
    Spaces,
    Board,
    NextLane,
    PreviousLane,
    Promote,
    CopyLayout,
    Rollouts,
    TableView,
    Sort,
    SortReverse,
    Fix,
    NextConnection,
    PreviousConnection,
    Quit,
    // drawer
    DrawerOlder,
    DrawerNewer,
    DrawerOldest,
    DrawerNewest,
    DrawerTimes,
    // lists and panels
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    Close,
    Toggle,
    Choose,
    // search lists
    SearchDown,
    SearchUp,
    SearchTop,
    SearchBottom,
    SearchPick,
    SearchClose,
    HistoryBack,
    HistoryForward,
    // forms
    FormNext,
    FormPrevious,
    FormChooseNext,
    FormChoosePrevious,
    FormPick,
    FormSubmit,
    FormCancel,
    // questions
    Yes,
    // revisions
    Diff,
    Rollback,
    // LoadBalancer panel
    CopyAddress,
    // spaces view
    NextList,
    PreviousList,
    SpacesList,
    NamespacesList,
    EnvironmentsList,
    RegisterSpace,
    RegisterContext,
    ToggleSpace,
    DeleteSpace,
    GrantAccess,
    RevokeAccess,
    NewEnvironment,
    NewItem,
    OpenItem,
    ReloadList,
}

/// One row of the table: the action, its name in `[keys]`, what it does, where.
#[derive(Debug, Clone, Copy)]
pub struct ActionInfo {
    pub action: Action,
    pub name: &'static str,
    pub desc: &'static str,
    pub context: Context,
}

const fn a(action: Action, name: &'static str, desc: &'static str, context: Context) -> ActionInfo {
    ActionInfo {
        action,
        name,
        desc,
        context,
    }
}

use Action as A;
use Context as C;
use Direction as D;

/// Every action, in the help's order.
#[rustfmt::skip]
pub static ACTIONS: &[ActionInfo] = &[
    a(A::Select(D::Left), "select_left", "select the nearest card in that direction", C::Canvas),
    a(A::Select(D::Down), "select_down", "select the nearest card in that direction", C::Canvas),
    a(A::Select(D::Up), "select_up", "select the nearest card in that direction", C::Canvas),
    a(A::Select(D::Right), "select_right", "select the nearest card in that direction", C::Canvas),
    a(A::Next, "next", "select the next card", C::Canvas),
    a(A::Previous, "previous", "select the previous card", C::Canvas),
    a(A::NextUnhealthy, "next_unhealthy", "select the next failed or drifted card", C::Canvas),
    a(A::Move(D::Left), "move_left", "move the selected card one cell", C::Canvas),
    a(A::Move(D::Down), "move_down", "move the selected card one cell", C::Canvas),
    a(A::Move(D::Up), "move_up", "move the selected card one cell", C::Canvas),
    a(A::Move(D::Right), "move_right", "move the selected card one cell", C::Canvas),
    a(A::MoveFar(D::Left), "move_far_left", "move the selected card five cells", C::Canvas),
    a(A::MoveFar(D::Down), "move_far_down", "move the selected card five cells", C::Canvas),
    a(A::MoveFar(D::Up), "move_far_up", "move the selected card five cells", C::Canvas),
    a(A::MoveFar(D::Right), "move_far_right", "move the selected card five cells", C::Canvas),
    a(A::Pan(D::Left), "pan_left", "pan the view", C::Canvas),
    a(A::Pan(D::Down), "pan_down", "pan the view", C::Canvas),
    a(A::Pan(D::Up), "pan_up", "pan the view", C::Canvas),
    a(A::Pan(D::Right), "pan_right", "pan the view", C::Canvas),
    a(A::ZoomIn, "zoom_in", "zoom in", C::Canvas),
    a(A::ZoomOut, "zoom_out", "zoom out", C::Canvas),
    a(A::ZoomReset, "zoom_reset", "zoom to 100 %", C::Canvas),
    a(A::ZoomFit, "zoom_fit", "fit all cards in view", C::Canvas),
    a(A::SwitchEnvironment, "switch_environment", "switch environment", C::Canvas),
    a(A::Filter, "filter", "filter cards by name or status", C::Canvas),
    a(A::Palette, "palette", "command palette", C::Canvas),
    a(A::Help, "help", "show the key bindings", C::Canvas),
    a(A::Open, "open", "open the selected deployment", C::Canvas),
    a(A::Undo, "undo", "undo a card move", C::Canvas),
    a(A::Redo, "redo", "redo a card move", C::Canvas),
    a(A::Reload, "reload", "reload from the backend", C::Canvas),
    a(A::Timeline, "timeline", "show or hide the timeline drawer", C::Canvas),
    a(A::LoadBalancer, "loadbalancer", "show the LoadBalancer panel", C::Canvas),
    a(A::Revisions, "revisions", "list revisions, diff, roll back", C::Canvas),
    a(A::Analyze, "analyze", "analyze the selected deployment", C::Canvas),
    a(A::TearDown, "teardown", "tear the selected deployment down", C::Canvas),
    a(A::EditConfigs, "edit_configs", "edit the configs in $EDITOR", C::Canvas),
    a(A::Create, "create", "create a deployment", C::Canvas),
    a(A::Spaces, "spaces", "spaces, namespaces and environments", C::Canvas),
    a(A::Board, "board", "environments side by side (the board), or back", C::Canvas),
    a(A::NextLane, "next_lane", "the board: the next lane", C::Canvas),
    a(A::PreviousLane, "previous_lane", "the board: the previous lane", C::Canvas),
    a(A::Promote, "promote", "promote the revision to another environment", C::Canvas),
    a(A::CopyLayout, "copy_layout", "take another environment's card layout", C::Canvas),
    a(A::Rollouts, "rollouts", "every rollout in progress, live", C::Canvas),
    a(A::TableView, "table", "the table view, or back to the canvas", C::Canvas),
    a(A::Sort, "sort", "the table: sort by the next column", C::Canvas),
    a(A::SortReverse, "sort_reverse", "the table: reverse the order", C::Canvas),
    a(A::Fix, "fix", "fix a failed deployment (roll back, or scale to fit)", C::Canvas),
    a(A::NextConnection, "next_connection", "select the next connected card", C::Canvas),
    a(A::PreviousConnection, "previous_connection", "select the previous connected card", C::Canvas),
    a(A::Quit, "quit", "quit", C::Canvas),
    a(A::DrawerOlder, "drawer_older", "scroll the drawer to older events", C::Drawer),
    a(A::DrawerNewer, "drawer_newer", "scroll the drawer to newer events", C::Drawer),
    a(A::DrawerOldest, "drawer_oldest", "the drawer's first event", C::Drawer),
    a(A::DrawerNewest, "drawer_newest", "the drawer's last event (follows new ones)", C::Drawer),
    a(A::DrawerTimes, "drawer_times", "absolute or relative times", C::Drawer),
    a(A::Down, "down", "next line", C::List),
    a(A::Up, "up", "previous line", C::List),
    a(A::Top, "top", "first line", C::List),
    a(A::Bottom, "bottom", "last line", C::List),
    a(A::PageDown, "page_down", "a page down", C::List),
    a(A::PageUp, "page_up", "a page up", C::List),
    a(A::Close, "close", "close", C::List),
    a(A::Toggle, "toggle", "tick or untick the item", C::List),
    a(A::Choose, "choose", "choose (what is ticked, or the item)", C::List),
    a(A::SearchDown, "search_down", "next item", C::Search),
    a(A::SearchUp, "search_up", "previous item", C::Search),
    a(A::SearchTop, "search_top", "first item", C::Search),
    a(A::SearchBottom, "search_bottom", "last item", C::Search),
    a(A::SearchPick, "search_pick", "pick the item", C::Search),
    a(A::SearchClose, "search_close", "close", C::Search),
    a(A::HistoryBack, "history_back", "the palette: an earlier command", C::Search),
    a(A::HistoryForward, "history_forward", "the palette: a later command", C::Search),
    a(A::FormNext, "form_next", "next field", C::Form),
    a(A::FormPrevious, "form_previous", "previous field", C::Form),
    a(A::FormChooseNext, "form_choose_next", "next choice", C::Form),
    a(A::FormChoosePrevious, "form_choose_previous", "previous choice", C::Form),
    a(A::FormPick, "form_pick", "pick the field's value from a list", C::Form),
    a(A::FormSubmit, "form_submit", "send the form", C::Form),
    a(A::FormCancel, "form_cancel", "cancel", C::Form),
    a(A::Yes, "yes", "answer yes (any other key: no)", C::Confirm),
    a(A::Diff, "diff", "diff the selected revision against the current", C::Revisions),
    a(A::Rollback, "rollback", "roll back to the selected revision", C::Revisions),
    a(A::CopyAddress, "copy_address", "copy the address (OSC 52)", C::LoadBalancer),
    a(A::NextList, "next_list", "next list", C::Spaces),
    a(A::PreviousList, "previous_list", "previous list", C::Spaces),
    a(A::SpacesList, "spaces_list", "the spaces", C::Spaces),
    a(A::NamespacesList, "namespaces_list", "the selected space's namespaces", C::Spaces),
    a(A::EnvironmentsList, "environments_list", "the environments", C::Spaces),
    a(A::RegisterSpace, "register_space", "register a space on a cloud account's cluster", C::Spaces),
    a(A::RegisterContext, "register_context", "register a space on a kubeconfig context", C::Spaces),
    a(A::ToggleSpace, "toggle_space", "activate or deactivate the space", C::Spaces),
    a(A::DeleteSpace, "delete_space", "delete the space", C::Spaces),
    a(A::GrantAccess, "grant_access", "grant access to the space's cluster", C::Spaces),
    a(A::RevokeAccess, "revoke_access", "revoke access to the space's cluster", C::Spaces),
    a(A::NewEnvironment, "new_environment", "create an environment on the space", C::Spaces),
    a(A::NewItem, "new", "create one (namespace, environment)", C::Spaces),
    a(A::OpenItem, "open_item", "open: namespaces, environment, canvas", C::Spaces),
    a(A::ReloadList, "reload_list", "load the lists again", C::Spaces),
];

impl Action {
    pub fn info(self) -> Option<&'static ActionInfo> {
        ACTIONS.iter().find(|i| i.action == self)
    }

    pub fn name(self) -> &'static str {
        self.info().map_or("", |i| i.name)
    }

    /// Whether the action changes something (refused, and shown disabled, in read-only mode).
    pub fn changes(self) -> bool {
        matches!(
            self,
            A::Move(_)
                | A::MoveFar(_)
                | A::Undo
                | A::Redo
                | A::TearDown
                | A::EditConfigs
                | A::Create
                | A::Rollback
                | A::Promote
                | A::CopyLayout
                | A::Fix
                | A::RegisterSpace
                | A::RegisterContext
                | A::ToggleSpace
                | A::DeleteSpace
                | A::GrantAccess
                | A::RevokeAccess
                | A::NewEnvironment
                | A::NewItem
        )
    }
}
