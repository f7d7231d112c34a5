"""Reading pages: how values are found in what sites serve. Pure, used by the source types.

selectors   CSS selectors with @attr and || fallbacks, links, login walls
jsonpath    dotted paths into JSON answers
dates       dates as forums and portals write them (absolute, relative, German, English)
encoding    response bytes to text in the charset the page is really written in
ratings     ratings on any scale, normalised to 0-5 stars
challenges  bot challenges (Cloudflare, DDoS-Guard…) served instead of content
"""
