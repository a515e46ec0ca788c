"""The console (工作台): server-rendered pages in Chinese for the people who run the
operation — bureau, providers, operator, developers. It owns no business data: every page
is a call to the services' public HTTP APIs with the signed-in person's token."""
