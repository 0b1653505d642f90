"""Fragments write only into their own body. A fragment that opens a container created outside it (a tab, a
column, st.sidebar) needs a place Streamlit reserves for it during the last full run; a fragment rerun under
load that finds none raises StreamlitInvalidLayoutContextError in front of the user. Streamlit's documented
pattern is to call the fragment inside the container instead. Read from the pages' syntax trees: AppTest does
not run fragments on their own."""

import ast
import pathlib

import pytest

PAGES = sorted((pathlib.Path(__file__).parent.parent / "app_pages").glob("*.py"))


def _is_fragment(function: ast.FunctionDef) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr == "fragment":
            return True
    return False


def _bound_names(function: ast.FunctionDef) -> set[str]:
    names = {argument.arg for argument in function.args.args + function.args.kwonlyargs}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def outside_writes(source: str) -> list[str]:
    """'function: container' for each `with` block in a fragment that opens a container the fragment did not
    create (a name bound outside the function, or st.sidebar)."""
    found = []
    for function in ast.walk(ast.parse(source)):
        if not (isinstance(function, ast.FunctionDef) and _is_fragment(function)):
            continue
        bound = _bound_names(function)
        for node in ast.walk(function):
            if not isinstance(node, ast.With):
                continue
            for item in node.items:
                context = item.context_expr
                root = context
                while isinstance(root, (ast.Attribute, ast.Subscript)):
                    root = root.value
                outside = isinstance(root, ast.Name) and root.id not in bound | {"st"}
                sidebar = isinstance(context, ast.Attribute) and context.attr == "sidebar"
                if outside or sidebar:
                    found.append(f"{function.name}: {ast.unparse(context)}")
    return found


def test_the_check_finds_a_fragment_opening_an_outside_container():
    source = '''
tab = st.tabs(["A"])[0]

@st.fragment(run_every=3)
def inside_out():
    with tab:
        st.write(1)

@st.fragment
def in_the_sidebar():
    with st.sidebar:
        st.write(1)

@st.fragment
def a_column():
    with columns[1]:
        st.write(1)

@st.fragment
def own_containers():
    left, right = st.columns(2)
    with left:
        st.write(1)
    with st.container(horizontal=True):
        st.write(2)

with tab:
    own_containers()
'''
    assert outside_writes(source) == ["inside_out: tab", "in_the_sidebar: st.sidebar", "a_column: columns[1]"]


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_no_fragment_on_any_page_writes_into_a_container_made_outside_it(page):
    assert outside_writes(page.read_text()) == []
