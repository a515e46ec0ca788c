"""catalog: the resource catalog (资源目录), classification and grading, registration (登记)."""
