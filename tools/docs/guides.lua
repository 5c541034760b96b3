-- Pandoc filter: a docs/*.md guide as an antsibull-docs extra doc (RST).
-- Metadata (set by tools/docs/guides_to_rst.py):
--   guide        this guide's name (its file name without .md)
--   guides       names of every guide (links between guides become :ref: links)
--   label_prefix ansible_collections.<namespace>.<name>.docsite.
--   repository   the collection's repository URL (galaxy.yml), for links to files that are not guides
--   branch       the branch those links point at
-- Every heading gets a label <prefix><guide>.<gfm anchor>, so guide.md#anchor links keep working.

local guide, guides, prefix, repository, branch = "", {}, "", "", "main"

local function rst_escape(text)
  return (text:gsub("([\\`<>])", "\\%1"))
end

local function ref(text, label)
  return pandoc.RawInline("rst", ":ref:`" .. rst_escape(text) .. " <" .. label .. ">`")
end

local function guide_label(name, anchor)
  if anchor == nil or anchor == "" then
    return prefix .. name
  end
  return prefix .. name .. "." .. anchor
end

-- docs/ relative path -> repository path, e.g. "../tools/x.sh" -> "tools/x.sh"
local function repo_path(path)
  local parts = {"docs"}
  for part in path:gmatch("[^/]+") do
    if part == ".." then
      table.remove(parts)
    elseif part ~= "." then
      table.insert(parts, part)
    end
  end
  return table.concat(parts, "/")
end

function Meta(meta)
  guide = pandoc.utils.stringify(meta.guide or "")
  prefix = pandoc.utils.stringify(meta.label_prefix or "")
  repository = pandoc.utils.stringify(meta.repository or "")
  branch = pandoc.utils.stringify(meta.branch or "main")
  for _, name in ipairs(meta.guides or {}) do
    guides[pandoc.utils.stringify(name)] = true
  end
end

local function Header(el)
  local label = guide_label(guide, el.identifier)
  el.identifier = ""
  return {pandoc.RawBlock("rst", ".. _" .. label .. ":"), pandoc.Para({}), el}  -- the empty paragraph is the blank line RST wants
end

local function Link(el)
  local target = el.target
  if target:match("^%a[%w+.-]*:") then
    return nil  -- absolute URL
  end
  local text = pandoc.utils.stringify(el.content)
  if target:sub(1, 1) == "#" then
    return ref(text, guide_label(guide, target:sub(2)))
  end
  local path, anchor = target:match("^([^#]*)#?(.*)$")
  local name = path:match("^([%w_%-]+)%.md$")
  if name and guides[name] then
    return ref(text, guide_label(name, anchor))
  end
  el.target = repository .. "/blob/" .. branch .. "/" .. repo_path(path) .. (anchor ~= "" and ("#" .. anchor) or "")
  return el
end

-- `docs/<guide>.md` written as code or plain text links to that guide
local function Code(el)
  local name = el.text:match("^docs/([%w_%-]+)%.md$")
  if name and guides[name] then
    return ref(el.text, guide_label(name))
  end
end

local function Str(el)
  local pre, name, post = el.text:match("^([%(%[]?)docs/([%w_%-]+)%.md([%)%],.;:]*)$")
  if name and guides[name] then
    return {pandoc.Str(pre), ref("docs/" .. name .. ".md", guide_label(name)), pandoc.Str(post)}
  end
end

-- Code blocks without a language are plain text (Sphinx would try to highlight them as YAML+Jinja).
local function CodeBlock(el)
  if #el.classes == 0 then
    el.classes = {"text"}
  end
  return el
end

-- Figures: shown from docs/images on this project's own site (tag meridian_site), linked from
-- the repository elsewhere (antsibull-docs ships only the .rst files of extra docs).
local function figure_block(src, caption)
  local url = repository .. "/blob/" .. branch .. "/" .. repo_path(src)
  local alt = caption:gsub("\n", " ")
  return {pandoc.RawBlock("rst", table.concat({
    ".. only:: meridian_site",
    "",
    "   .. figure:: " .. src,
    "      :alt: " .. alt,
    "",
    "      " .. alt,
    "",
    ".. only:: not meridian_site",
    "",
    "   Figure: `" .. rst_escape(alt) .. " <" .. url .. ">`__",
  }, "\n")), pandoc.Para({})}
end

local function Figure(el)
  local image
  pandoc.walk_block(el, {Image = function(img) image = image or img end})
  if image then
    return figure_block(image.src, pandoc.utils.stringify(image.caption))
  end
end

local function Para(el)
  if #el.content == 1 and el.content[1].t == "Image" then
    local image = el.content[1]
    return figure_block(image.src, pandoc.utils.stringify(image.caption))
  end
end

return {
  {Meta = Meta},
  {Header = Header, Link = Link, Code = Code, Str = Str, CodeBlock = CodeBlock, Figure = Figure, Para = Para},
}
