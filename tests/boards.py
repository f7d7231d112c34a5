"""The board the crawl tests run against (the demo's phpBB renderer) and a login wall."""

from __future__ import annotations

from monitor.demo.board import Board, Post, Thread, german_date, quote

__all__ = ["LOGIN_WALL", "Board", "Post", "Thread", "german_date", "quote"]

LOGIN_WALL = """<!DOCTYPE html>
<html dir="ltr" lang="de">
<head>
<meta charset="utf-8" />
<title>Anmelden - Praxis-Forum</title>
</head>
<body id="phpbb" class="nojs notouch section-ucp ltr ">
<div id="wrap" class="wrap">
	<div id="page-body" class="page-body" role="main">
<form action="./ucp.php?mode=login" method="post" id="login" data-focus="username">
<div class="panel">
	<div class="inner">
	<div class="content">
		<h2 class="login-title">Anmelden</h2>
		<p>Um dieses Forum lesen zu können, musst du registriert und angemeldet sein.</p>
		<fieldset class="fields1">
		<dl>
			<dt><label for="username">Benutzername:</label></dt>
			<dd><input type="text" tabindex="1" name="username" id="username" size="25" value=""
				class="inputbox autowidth" /></dd>
		</dl>
		<dl>
			<dt><label for="password">Passwort:</label></dt>
			<dd><input type="password" tabindex="2" id="password" name="password" size="25"
				class="inputbox autowidth" autocomplete="off" /></dd>
			<dd><a href="./ucp.php?mode=sendpassword">Ich habe mein Passwort vergessen</a></dd>
		</dl>
		<dl>
			<dd><input type="hidden" name="redirect" value="./viewforum.php?f=4" />
			<input type="submit" name="login" tabindex="6" value="Anmelden" class="button1" /></dd>
		</dl>
		</fieldset>
	</div>
	</div>
</div>
</form>
	</div>
</div>
</body>
</html>
"""
